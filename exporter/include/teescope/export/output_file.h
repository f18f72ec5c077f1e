// SPDX-License-Identifier: MIT
// An export's output: written to a temporary file next to it and renamed into place only when
// complete, so a failed or interrupted export leaves nothing behind.
#pragma once

#include <fstream>
#include <string>

namespace teescope::exporter {

class OutputFile {
public:
    // Creates the temporary file in the directory of `path`. Throws Error naming the directory
    // when it is missing or not writable.
    explicit OutputFile(std::string path);
    OutputFile(const OutputFile &) = delete;
    OutputFile &operator=(const OutputFile &) = delete;
    // Removes the temporary file unless commit() succeeded.
    ~OutputFile();

    std::ostream &stream() { return stream_; }
    // Where another program may write the content instead of stream() (call close_stream first).
    const std::string &temp_path() const { return temp_; }
    void close_stream();
    // Flushes, checks that every write succeeded, and renames the file into place. Throws Error.
    void commit();

private:
    std::string path_;
    std::string temp_;
    std::ofstream stream_;
    bool committed_ = false;
};

} // namespace teescope::exporter

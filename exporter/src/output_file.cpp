// SPDX-License-Identifier: MIT
#include "teescope/export/output_file.h"

#include "teescope/export/export.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace teescope::exporter {

OutputFile::OutputFile(std::string path) : path_(std::move(path))
{
    namespace fs = std::filesystem;
    if (path_.empty())
        throw Error("no output file given");
    const fs::path out(path_);
    std::error_code ec;
    if (fs::is_directory(out, ec))
        throw Error("cannot write " + path_ + ": it is a directory");
    const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec))
        throw Error("cannot write " + path_ + ": the directory " + dir.string() + " does not exist");
    std::string pattern = (dir / ("." + out.filename().string() + ".XXXXXX")).string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
        throw Error("cannot write " + path_ + ": " + std::strerror(errno) + " (in " + dir.string() + ")");
    // mkstemp makes 0600; an export is an ordinary file (0666 less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    ::close(fd);
    temp_ = name.data();
    stream_.open(temp_, std::ios::binary | std::ios::trunc);
    if (!stream_) {
        std::remove(temp_.c_str());
        throw Error("cannot write " + path_);
    }
}

OutputFile::~OutputFile()
{
    if (!committed_) {
        stream_.close();
        std::remove(temp_.c_str());
    }
}

void OutputFile::close_stream()
{
    if (stream_.is_open())
        stream_.close();
}

void OutputFile::commit()
{
    if (stream_.is_open()) {
        stream_.flush();
        const bool ok = static_cast<bool>(stream_);
        stream_.close();
        if (!ok || stream_.fail())
            throw Error("cannot write " + path_ + ": " + std::strerror(errno));
    }
    if (std::rename(temp_.c_str(), path_.c_str()) != 0)
        throw Error("cannot write " + path_ + ": " + std::strerror(errno));
    committed_ = true;
}

} // namespace teescope::exporter

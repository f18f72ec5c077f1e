// SPDX-License-Identifier: MIT
// The bulk writer of a trace database. Rows are collected into batches on the importer's thread
// and inserted by a thread of their own, so decoding overlaps with SQLite. The file is written as
// PATH.partial.PID.XXXXXX (a name of its own, created exclusively) and renamed to PATH only by
// finish(), once everything is committed: an import that dies never leaves a PATH that claims to
// be complete, and two writers of one PATH never share a file.
#pragma once

#include "teescope/importer/rows.h"
#include "teescope/store/names_file.h"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace teescope::store {

class Writer : public importer::RowSink {
public:
    struct Options {
        size_t batch_rows = 20000; // rows per transaction (and per batch handed over)
        size_t queued_batches = 3; // batches waiting for the writing thread before add() blocks
        // A live import: the file is written at PATH itself from the start, in write-ahead
        // logging mode, with its indexes, and commit_live() makes what was added visible to
        // readers; a row added again with the same id replaces the earlier one.
        bool live = false;
    };

    // Creates a new partial file beside PATH (tables, views, metadata.complete = 0). Throws Error.
    explicit Writer(std::string path);
    Writer(std::string path, Options options);
    // Without finish(): stops writing and deletes the partial file (PATH is left as it was).
    ~Writer() override;
    Writer(const Writer &) = delete;
    Writer &operator=(const Writer &) = delete;

    void add(const importer::ProcessRow &) override;
    void add(const importer::ThreadRow &) override;
    void add(const importer::ContextRow &) override;
    void add(const importer::ContextUserRow &) override;
    void add(const importer::ObjectRow &) override;
    void add(const importer::HandleRow &) override;
    void add(const importer::InvocationRow &) override;
    void add(const importer::CallbackRequestRow &) override;
    void add(const importer::AsyncReleaseRow &) override;
    void add(const importer::DataLossRow &) override;
    void add(const importer::ShmRow &) override;
    void add(const importer::ShmUseRow &) override;
    void add(const importer::SessionRow &) override;
    void add(const importer::OpteeWaitRow &) override;
    void add(const importer::GuestRow &) override;
    void count(const std::string &name, const std::string &severity, uint64_t n,
               const std::string &example) override;

    // A metadata row, written by finish() (the last value given wins). `complete` and
    // `schema_version` are the writer's own.
    void set_metadata(const std::string &key, const std::string &value);

    // The trace's first time, given before any row: a plain import then sums the timeline's
    // summary from it as the rows are stored (else from the finished table).
    void set_time_origin(int64_t ts);

    // The names of the user's names file (TAs, their commands, QTEE ops), written by finish()
    // after teescope's own catalogues (builtin_ta_catalogue(), builtin_op_names()).
    void set_user_names(UserNames names);

    // Hands the rows collected so far to the writing thread and waits until they are committed
    // (live imports; a plain import never needs it). Throws Error if writing failed.
    void flush();

    // Live imports: hands the rows collected so far, the import statistics and `metadata` to the
    // writing thread, to be committed in one transaction (without waiting for it); with
    // `latency`, the latency table is computed again after it. Throws Error if writing failed.
    void commit_live(const std::map<std::string, std::string> &metadata, bool latency);
    // Live imports: how long the last computation of the latency table took (ns).
    int64_t live_latency_ns() const;

    // Commits everything, creates the indexes, writes the TA and op names, computes the latency table, writes the import
    // statistics and the metadata (complete = 1) and renames the partial file to PATH (replacing it).
    // Throws Error (the .partial file is then deleted by the destructor).
    void finish();

    const std::string &path() const { return path_; }
    // The file being written: PATH.partial.PID.XXXXXX (PATH itself for a live import, once created).
    const std::string &partial_path() const { return partial_; }
    // What every partial file of PATH starts with (for removing those of dead imports).
    static std::string partial_prefix(const std::string &path) { return path + ".partial"; }

    struct Batch; // rows of every table, reused from batch to batch
    class Inserter;

private:
    static std::unique_ptr<Inserter> make_inserter(const std::string &partial, const std::string &path, bool live);
    void rows_added();
    void hand_over();
    void write_loop();
    void stop_thread();
    void rethrow_failure();

    std::string path_;
    std::string partial_;
    Options options_;
    std::unique_ptr<Inserter> inserter_;

    std::unique_ptr<Batch> current_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<Batch>> queue_; // oldest first
    std::vector<std::unique_ptr<Batch>> spare_;
    size_t in_flight_ = 0; // batches queued or being written
    bool stopping_ = false;
    std::exception_ptr failure_;
    std::thread thread_;

    struct Stat {
        std::string severity;
        uint64_t count = 0;
        std::string example;
    };
    std::map<std::string, Stat> stats_;
    std::map<std::string, std::string> metadata_;
    UserNames user_names_;
    bool finished_ = false;
};

} // namespace teescope::store

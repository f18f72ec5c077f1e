// SPDX-License-Identifier: MIT
#include "teescope/store/writer.h"

#include "teescope/store/database.h"
#include "teescope/store/invocation_groups.h"
#include "teescope/store/timeline_summary.h"
#include "teescope/store/latency.h"
#include "teescope/store/statement.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <map>
#include <system_error>
#include <tuple>
#include <unordered_map>

namespace teescope::store {

using namespace importer;
using detail::Statement;

namespace {

// Rows of one table in a batch. Slots are overwritten rather than destroyed, so strings keep
// their buffers and a steady import does not allocate per row.
template <class Row>
struct Slots {
    std::vector<Row> rows;
    size_t n = 0;
    void put(const Row &r)
    {
        if (n < rows.size())
            rows[n] = r;
        else
            rows.push_back(r);
        ++n;
    }
};

// Text that is stored as NULL when empty (names the trace did not give).
struct OrNull {
    const std::string &text;
};

void bind_one(Statement &s, int i, int64_t v) { s.bind(i, v); }
void bind_one(Statement &s, int i, bool v) { s.bind(i, v); }
void bind_one(Statement &s, int i, const std::string &v) { s.bind(i, v); }
void bind_one(Statement &s, int i, const std::optional<int64_t> &v) { s.bind(i, v); }
void bind_one(Statement &s, int i, const std::optional<std::string> &v) { s.bind(i, v); }
void bind_one(Statement &s, int i, OrNull v)
{
    if (v.text.empty())
        s.bind(i, std::optional<int64_t>());
    else
        s.bind(i, v.text);
}

template <class... T>
void insert(Statement &s, const T &...values)
{
    int i = 0;
    (bind_one(s, ++i, values), ...);
    s.run();
}

void sync_path(const std::string &path, int flags)
{
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0)
        return;
    ::fsync(fd);
    ::close(fd);
}

// A new file beside `path`, created exclusively (mkstemp): no other writer, even one of the same
// path in the same process, can be handed it. The pid in the name tells whose it is.
std::string create_partial(const std::string &path)
{
    std::string name = Writer::partial_prefix(path) + "." + std::to_string(::getpid()) + ".XXXXXX";
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0)
        throw Error(path + ": cannot create " + name + ": " + std::strerror(errno));
    ::fchmod(fd, 0644); // mkstemp makes it 0600; a database is as readable as any other output
    ::close(fd);
    return name;
}

} // namespace

struct Writer::Batch {
    Slots<ProcessRow> processes;
    Slots<ThreadRow> threads;
    Slots<ContextRow> contexts;
    Slots<ContextUserRow> context_users;
    Slots<ObjectRow> objects;
    Slots<HandleRow> handles;
    Slots<InvocationRow> invocations;
    Slots<CallbackRequestRow> requests;
    Slots<AsyncReleaseRow> async_releases;
    Slots<DataLossRow> data_loss;
    Slots<ShmRow> shm;
    Slots<ShmUseRow> shm_uses;
    Slots<SessionRow> sessions;
    Slots<OpteeWaitRow> waits;
    Slots<GuestRow> guests;
    size_t rows = 0;
    // Live commits: what the metadata and the import statistics are now, and whether the latency
    // table is computed again.
    std::vector<std::pair<std::string, std::string>> metadata;
    std::vector<std::tuple<std::string, std::string, uint64_t, std::string>> stats;
    bool live_commit = false, latency = false;
    const UserNames *names = nullptr; // with latency: the op and TA names are written again
    std::optional<int64_t> time_origin; // the trace's first time, once known

    void clear()
    {
        metadata.clear();
        stats.clear();
        live_commit = latency = false;
        names = nullptr;
        time_origin.reset();
        processes.n = threads.n = contexts.n = context_users.n = objects.n = handles.n = 0;
        invocations.n = requests.n = async_releases.n = data_loss.n = shm.n = sessions.n = 0;
        shm_uses.n = waits.n = guests.n = 0;
        rows = 0;
    }
};

// The database connection and its prepared statements; used by the writing thread, then by
// finish() once that thread has ended.
class Writer::Inserter {
public:
    // A new file (filled from empty), or with `live` the live file created before: its rows are
    // inserted or replaced, since each open lifetime is written again when it ends.
    Inserter(const std::string &file, bool live)
        : db_(live ? Database::open_shared_writer(file) : Database::create(file, Database::Replace::No)), file_(file),
          live_(live),
          process_(prepare_insert("INTO processes VALUES (?,?,?,?,?,?,?,?,?,?,?)")),
          thread_(prepare_insert("INTO threads VALUES (?,?,?,?,?)")),
          context_(prepare_insert("INTO contexts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          context_user_(prepare_insert("INTO context_users VALUES (?,?,?,?,?)")),
          object_(prepare_insert("INTO objects VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          handle_(prepare_insert("INTO handles VALUES (?,?,?,?,?,?,?,?,?,?,?)")),
          invocation_(prepare_insert("INTO invocations VALUES "
                              "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          request_(prepare_insert("INTO callback_requests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          async_release_(prepare_insert("INTO async_releases VALUES (?,?,?,?,?)")),
          data_loss_(prepare_insert("INTO data_loss VALUES (?,?,?,?,?,?)")),
          shm_(prepare_insert("INTO shm VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          shm_use_(prepare_insert("INTO shm_uses VALUES (?,?,?,?,?,?,?,?,?)")),
          session_(prepare_insert("INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
          wait_(prepare_insert("INTO optee_waits VALUES (?,?,?,?,?,?,?,?,?)")),
          guest_(prepare_insert("INTO guests VALUES (?,?,?,?,?,?,?,?,?,?,?)"))
    {
    }

    Database &db() { return db_; }

    // One transaction per batch, table by table (the same rows give the same file).
    void write(const Batch &b)
    {
        // A plain import sums the timeline from the trace's first time on; without it (a writer
        // fed rows directly) the finished table is summed at the end.
        if (b.time_origin && !live_ && !timeline_ && !timeline_late_)
            timeline_.emplace(*b.time_origin);
        if (!timeline_ && (b.invocations.n || b.requests.n))
            timeline_late_ = true;
        db_.exec("BEGIN");
        for (size_t i = 0; i < b.processes.n; ++i) {
            const ProcessRow &r = b.processes.rows[i];
            insert(process_, r.id, r.pid, OrNull{r.name}, r.guest, r.parent_id, r.start_ts, r.end_ts, r.end_kind, r.exe,
                   r.cmdline, r.cmdline_bytes);
        }
        for (size_t i = 0; i < b.threads.n; ++i) {
            const ThreadRow &r = b.threads.rows[i];
            insert(thread_, r.id, r.process_id, r.tid, r.start_ts, r.end_ts);
        }
        for (size_t i = 0; i < b.contexts.n; ++i) {
            const ContextRow &r = b.contexts.rows[i];
            insert(context_, r.id, r.serial, r.process_id, OrNull{r.dev}, r.impl, r.guest, r.open_ts, r.close_ts,
                   r.release_ts, r.handles_at_close, r.requests_at_close, r.end_kind, r.origin_unknown,
                   r.end_inferred);
        }
        for (size_t i = 0; i < b.context_users.n; ++i) {
            const ContextUserRow &r = b.context_users.rows[i];
            insert(context_user_, r.context_id, r.process_id, r.first_ts, r.last_ts, r.calls);
        }
        for (size_t i = 0; i < b.objects.n; ++i) {
            const ObjectRow &r = b.objects.rows[i];
            insert(object_, r.id, r.address, r.kind, r.klass, r.uid, r.sw_id, r.context_id, r.ref, r.created_ts,
                   r.produced_by, r.creator_process_id, r.creator_thread_id, r.wire_id, r.unexported_ts,
                   r.release_queue_ts, r.release_done_ts, r.release_result, r.release_retries, r.freed_ts,
                   r.end_kind, r.origin_unknown, r.end_inferred);
        }
        for (size_t i = 0; i < b.handles.n; ++i) {
            const HandleRow &r = b.handles.rows[i];
            insert(handle_, r.id, r.context_id, r.handle, r.object_id, r.bind_ts, r.unbind_ts, r.unbind_reason,
                   r.invocation_id, r.request_id, r.process_id, r.end_inferred);
        }
        for (size_t i = 0; i < b.invocations.n; ++i) {
            const InvocationRow &r = b.invocations.rows[i];
            insert(invocation_, r.id, r.serial, r.user_serial, r.context_id, r.process_id, r.thread_id,
                   r.object_id, r.handle, r.op, r.bi, r.bo, r.oi, r.oo, r.in_bytes, r.out_bytes, r.user_begin_ts,
                   r.user_end_ts, r.drv_begin_ts, r.drv_end_ts, r.err, r.ret, r.depth, r.parent_request_id,
                   r.internal, r.end_inferred, OrNull{r.call}, r.session_id, r.origin, r.guest, r.wait_ns);
            if (!live_) // a live file writes rows again as they change: summed at its end instead
                invocation_groups_.add(r);
            if (timeline_)
                timeline_->add(r);
        }
        for (size_t i = 0; i < b.requests.n; ++i) {
            const CallbackRequestRow &r = b.requests.rows[i];
            insert(request_, r.id, r.context_id, r.request, r.object_id, r.op, r.invocation_id,
                   r.invoker_process_id, r.queue_ts, r.pick_ts, r.answer_ts, r.supplicant_thread_id, r.ret, r.err,
                   r.end_kind, r.end_inferred, r.kind, r.return_ts, r.guest);
            if (timeline_)
                timeline_->add(r);
        }
        for (size_t i = 0; i < b.async_releases.n; ++i) {
            const AsyncReleaseRow &r = b.async_releases.rows[i];
            insert(async_release_, r.id, r.object_id, r.carrier_invocation_id, r.carrier_context_id, r.ts);
        }
        for (size_t i = 0; i < b.data_loss.n; ++i) {
            const DataLossRow &r = b.data_loss.rows[i];
            insert(data_loss_, r.id, r.what, r.count, r.begin_ts, r.end_ts, OrNull{r.stream});
        }
        for (size_t i = 0; i < b.shm.n; ++i) {
            const ShmRow &r = b.shm.rows[i];
            insert(shm_, r.id, r.context_id, r.shm, r.size, r.how, r.process_id, r.created_ts, r.freed_ts,
                   r.end_kind, r.end_inferred, r.freed_by, r.guest, r.rpc_request_id, r.origin_unknown);
        }
        for (size_t i = 0; i < b.shm_uses.n; ++i) {
            const ShmUseRow &r = b.shm_uses.rows[i];
            insert(shm_use_, r.id, r.shm_id, r.invocation_id, r.param, r.shm, r.offset, r.size, r.dir, r.ts);
        }
        for (size_t i = 0; i < b.sessions.n; ++i) {
            const SessionRow &r = b.sessions.rows[i];
            insert(session_, r.id, r.context_id, r.session, OrNull{r.uuid}, r.login, r.guest, r.open_ts,
                   r.close_ts, r.ret, r.origin, r.end_kind, r.process_id, r.thread_id, r.opened_by, r.closed_by,
                   r.err, r.origin_unknown, r.end_inferred);
        }
        for (size_t i = 0; i < b.waits.n; ++i) {
            const OpteeWaitRow &r = b.waits.rows[i];
            insert(wait_, r.id, r.invocation_id, r.context_id, r.thread_id, r.guest, r.reason, r.begin_ts, r.end_ts,
                   r.end_inferred);
        }
        for (size_t i = 0; i < b.guests.n; ++i) {
            const GuestRow &r = b.guests.rows[i];
            insert(guest_, r.id, r.guest, r.threads, r.created_ts, r.destroyed_ts, r.contexts_dropped,
                   r.sessions_dropped, r.shm_dropped, r.end_kind, r.origin_unknown, r.end_inferred);
        }
        if (b.live_commit) {
            db_.exec("DELETE FROM import_stats");
            Statement stat = prepare("INSERT INTO import_stats VALUES (?,?,?,?)");
            for (const auto &[name, severity, count, example] : b.stats)
                insert(stat, name, severity, static_cast<int64_t>(count), OrNull{example});
            Statement meta = prepare("INSERT OR REPLACE INTO metadata VALUES (?,?)");
            for (const auto &[key, value] : b.metadata)
                insert(meta, key, value);
        }
        db_.exec("COMMIT");
        if (b.latency) {
            const auto start = std::chrono::steady_clock::now();
            if (b.names)
                write_names(*b.names);
            compute_latency();
            latency_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
                              .count();
        }
    }

    // The invocation_groups tables: what was summed while writing, or the whole table of a live
    // file.
    void write_invocation_groups()
    {
        if (live_)
            invocation_groups_.add_table(db_.handle(), file_);
        db_.exec("BEGIN");
        invocation_groups_.write(db_.handle(), file_);
        db_.exec("COMMIT");
    }

    // The timeline_* tables: what was summed while writing, or the whole finished table (a live
    // file, or rows written without the trace's first time), sized to the trace's time span.
    void write_timeline_summary(const std::map<std::string, std::string> &metadata)
    {
        auto number = [&](const char *key) -> std::optional<int64_t> {
            auto it = metadata.find(key);
            if (it == metadata.end())
                return std::nullopt;
            try {
                return std::stoll(it->second);
            } catch (const std::exception &) {
                return std::nullopt;
            }
        };
        const int64_t first = number("first_ts").value_or(0);
        if (!timeline_) {
            timeline_.emplace(first);
            timeline_->read(db_, 0, 0, std::numeric_limits<int64_t>::max());
        }
        if (const auto last = number("last_ts"))
            timeline_->fit(*last - timeline_->origin());
        db_.exec("BEGIN");
        timeline_->write(db_.handle(), file_);
        db_.exec("COMMIT");
        timeline_.reset();
    }

    // How long the last live computation of the latency table took.
    int64_t latency_ns() const { return latency_ns_; }

    // The indexes the views and the GUI's lookups need, built once after the bulk load.
    void create_indexes()
    {
        db_.exec("BEGIN;"
                 "CREATE INDEX threads_process ON threads(process_id);"
                 "CREATE INDEX contexts_process ON contexts(process_id);"
                 "CREATE INDEX objects_sw_id ON objects(sw_id);"
                 "CREATE INDEX objects_produced_by ON objects(produced_by);"
                 "CREATE INDEX objects_context ON objects(context_id);"
                 "CREATE INDEX handles_object ON handles(object_id);"
                 "CREATE INDEX handles_context ON handles(context_id, bind_ts);"
                 "CREATE INDEX invocations_thread ON invocations(thread_id, drv_begin_ts);"
                 "CREATE INDEX requests_context ON callback_requests(context_id);"
                 "CREATE INDEX requests_invocation ON callback_requests(invocation_id);"
                 "CREATE INDEX shm_context ON shm(context_id);"
                 "CREATE INDEX sessions_context ON sessions(context_id);"
                 "CREATE INDEX shm_uses_shm ON shm_uses(shm_id);"
                 "CREATE INDEX shm_uses_invocation ON shm_uses(invocation_id);"
                 "CREATE INDEX optee_waits_invocation ON optee_waits(invocation_id);"
                 // Only OP-TEE calls have a session: a partial index costs a QTEE trace one scan.
                 "CREATE INDEX invocations_session ON invocations(session_id) WHERE session_id IS NOT NULL;"
                 "COMMIT;");
    }

    // The op names of QTEE objects, then the TA names and command names: the catalogue, then the
    // user's file (which wins); ops for a trace that holds QTEE, TAs for one that holds OP-TEE
    // (there is nothing to name otherwise).
    void write_names(const UserNames &user)
    {
        bool qtee = false;
        {
            Statement s(db_.handle(),
                        "SELECT EXISTS (SELECT 1 FROM objects) OR EXISTS (SELECT 1 FROM invocations WHERE call IS NULL)",
                        file_);
            qtee = s.next() && s.int_at(0) != 0;
        }
        if (qtee) {
            db_.exec("BEGIN");
            Statement op = prepare("INSERT OR REPLACE INTO op_names VALUES (?,?,?,?)");
            for (const OpName &n : builtin_op_names())
                insert(op, n.klass, n.op, n.name, std::string("builtin"));
            for (const OpName &n : user.ops)
                insert(op, n.klass, n.op, n.name, std::string("user"));
            db_.exec("COMMIT");
        }
        const TaCatalogue &user_tas = user.tas;
        {
            Statement optee(db_.handle(),
                            "SELECT EXISTS (SELECT 1 FROM sessions) OR EXISTS (SELECT 1 FROM contexts WHERE impl = 1)",
                            file_);
            if (!optee.next() || optee.int_at(0) == 0)
                return;
        }
        db_.exec("BEGIN");
        Statement name = prepare("INSERT OR REPLACE INTO ta_names VALUES (?,?,?)");
        Statement command = prepare("INSERT OR REPLACE INTO ta_commands VALUES (?,?,?,?)");
        const std::string builtin = "builtin", from_user = "user";
        for (const TaName &n : builtin_ta_catalogue().names)
            insert(name, n.uuid, n.name, builtin);
        for (const TaCommand &c : builtin_ta_catalogue().commands)
            insert(command, c.uuid, c.func, c.name, builtin);
        for (const TaName &n : user_tas.names)
            insert(name, n.uuid, n.name, from_user);
        for (const TaCommand &c : user_tas.commands)
            insert(command, c.uuid, c.func, c.name, from_user);
        db_.exec("COMMIT");
    }

    // latency: per class and op, nearest-rank percentiles of the driver-side durations.
    void compute_latency()
    {
        const std::vector<LatencyGroup> groups = compute_latency_groups(db_.handle(), file_);
        db_.exec("BEGIN; DELETE FROM latency; DELETE FROM latency_op_names;"); // a live import computes it again
        Statement out = prepare("INSERT INTO latency VALUES (?,?,?,?,?,?,?,?,?)");
        Statement name = prepare("INSERT INTO latency_op_names VALUES (?,?,?)");
        for (const LatencyGroup &g : groups) {
            insert(out, g.klass, g.op, g.count, g.min_ns, g.p50_ns, g.p90_ns, g.p99_ns, g.p999_ns, g.max_ns);
            if (g.named)
                insert(name, g.klass, g.op, g.op_name);
        }
        db_.exec("COMMIT");
    }

    template <class Stats, class Metadata>
    void write_tables(const Stats &stats, const Metadata &metadata)
    {
        db_.exec("BEGIN; DELETE FROM import_stats;"); // a live import wrote them at each commit
        Statement stat = prepare("INSERT INTO import_stats VALUES (?,?,?,?)");
        for (const auto &[name, s] : stats)
            insert(stat, name, s.severity, static_cast<int64_t>(s.count), OrNull{s.example});
        Statement meta = prepare("INSERT OR REPLACE INTO metadata VALUES (?,?)");
        for (const auto &[key, value] : metadata)
            insert(meta, key, value);
        db_.exec("COMMIT");
    }

    // Finalizes the statements, then closes the file (errors reported, unlike the destructor's).
    void close()
    {
        for (Statement *s : {&process_, &thread_, &context_, &context_user_, &object_, &handle_, &invocation_,
                             &request_, &async_release_, &data_loss_, &shm_, &shm_use_, &session_, &wait_, &guest_})
            *s = Statement();
        db_.close();
    }

    // A live file that is finished: back to a plain journal when no reader holds it open (else
    // it stays in write-ahead logging, which any SQLite reader reads), its log folded in.
    void end_live()
    {
        try {
            db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
            db_.exec("PRAGMA journal_mode = DELETE");
        } catch (const Error &) {
        }
    }

private:
    Statement prepare(const char *sql) { return Statement(db_.handle(), sql, file_); }
    Statement prepare_insert(const char *into)
    {
        return prepare(((live_ ? "INSERT OR REPLACE " : "INSERT ") + std::string(into)).c_str());
    }

    Database db_;
    std::string file_;
    bool live_ = false;
    std::atomic<int64_t> latency_ns_{0};
    InvocationGroups invocation_groups_;
    std::optional<TimelineSummary> timeline_;
    bool timeline_late_ = false; // rows came before the trace's first time
    Statement process_, thread_, context_, context_user_, object_, handle_, invocation_, request_,
        async_release_, data_loss_, shm_, shm_use_, session_, wait_, guest_;
};

// The partial file is removed when it cannot be made a database (no destructor runs then).
std::unique_ptr<Writer::Inserter> Writer::make_inserter(const std::string &partial, const std::string &path, bool live)
{
    try {
        if (!live)
            return std::make_unique<Inserter>(partial, false);
        // A live file is created whole (tables, views, indexes) before it takes its name, then
        // written where readers find it.
        {
            Inserter fresh(partial, false);
            fresh.create_indexes();
            fresh.db().exec("INSERT OR REPLACE INTO metadata VALUES ('live', '1')");
            fresh.close();
        }
        sync_path(partial, O_RDONLY);
        std::error_code ec;
        std::filesystem::rename(partial, path, ec);
        if (ec)
            throw Error(path + ": cannot move " + partial + " into place: " + ec.message());
        return std::make_unique<Inserter>(path, true);
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(partial, ec);
        throw;
    }
}

Writer::Writer(std::string path) : Writer(std::move(path), Options{}) {}

Writer::Writer(std::string path, Options options)
    : path_(std::move(path)), partial_(create_partial(path_)), options_(options),
      inserter_(make_inserter(partial_, path_, options.live)),
      current_(std::make_unique<Batch>())
{
    if (options_.live)
        partial_ = path_;
    options_.batch_rows = std::max<size_t>(options_.batch_rows, 1);
    options_.queued_batches = std::max<size_t>(options_.queued_batches, 1);
    thread_ = std::thread([this] { write_loop(); });
}

Writer::~Writer()
{
    stop_thread();
    if (options_.live && !finished_ && inserter_) {
        // The file stays, and says it is not live any more and not complete.
        try {
            inserter_->db().exec("INSERT OR REPLACE INTO metadata VALUES ('live', '0')");
        } catch (const Error &) {
        }
    }
    inserter_.reset();
    if (!finished_ && !options_.live) {
        std::error_code ec;
        std::filesystem::remove(partial_path(), ec);
    }
}

void Writer::write_loop()
{
    for (;;) {
        std::unique_ptr<Batch> batch;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
            if (queue_.empty())
                return;
            batch = std::move(queue_.front());
            queue_.erase(queue_.begin());
        }
        bool failed;
        {
            std::lock_guard lock(mutex_);
            failed = failure_ != nullptr;
        }
        if (!failed) {
            try {
                inserter_->write(*batch);
            } catch (...) {
                std::lock_guard lock(mutex_);
                failure_ = std::current_exception();
            }
        }
        batch->clear();
        std::lock_guard lock(mutex_);
        spare_.push_back(std::move(batch));
        --in_flight_;
        changed_.notify_all();
    }
}

void Writer::rethrow_failure()
{
    if (failure_)
        std::rethrow_exception(failure_);
}

void Writer::hand_over()
{
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ < options_.queued_batches || failure_; });
    rethrow_failure();
    queue_.push_back(std::move(current_));
    ++in_flight_;
    if (!spare_.empty()) {
        current_ = std::move(spare_.back());
        spare_.pop_back();
    } else {
        lock.unlock();
        current_ = std::make_unique<Batch>();
    }
    changed_.notify_all();
}

void Writer::rows_added()
{
    if (++current_->rows >= options_.batch_rows)
        hand_over();
}

void Writer::stop_thread()
{
    if (!thread_.joinable())
        return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

void Writer::flush()
{
    if (finished_)
        return;
    if (current_->rows)
        hand_over();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return in_flight_ == 0; });
    rethrow_failure();
}

void Writer::commit_live(const std::map<std::string, std::string> &metadata, bool latency)
{
    if (finished_)
        return;
    Batch &b = *current_;
    b.live_commit = true;
    b.latency = latency;
    b.names = latency ? &user_names_ : nullptr; // set before the first live commit, then left alone
    b.metadata.assign(metadata.begin(), metadata.end());
    for (const auto &[name, st] : stats_)
        b.stats.emplace_back(name, st.severity, st.count, st.example);
    hand_over();
}

int64_t Writer::live_latency_ns() const { return inserter_ ? inserter_->latency_ns() : 0; }

void Writer::add(const ProcessRow &r) { current_->processes.put(r), rows_added(); }
void Writer::add(const ThreadRow &r) { current_->threads.put(r), rows_added(); }
void Writer::add(const ContextRow &r) { current_->contexts.put(r), rows_added(); }
void Writer::add(const ContextUserRow &r) { current_->context_users.put(r), rows_added(); }
void Writer::add(const ObjectRow &r) { current_->objects.put(r), rows_added(); }
void Writer::add(const HandleRow &r) { current_->handles.put(r), rows_added(); }
void Writer::set_time_origin(int64_t ts) { current_->time_origin = ts; }

void Writer::add(const InvocationRow &r) { current_->invocations.put(r), rows_added(); }
void Writer::add(const CallbackRequestRow &r) { current_->requests.put(r), rows_added(); }
void Writer::add(const AsyncReleaseRow &r) { current_->async_releases.put(r), rows_added(); }
void Writer::add(const DataLossRow &r) { current_->data_loss.put(r), rows_added(); }
void Writer::add(const ShmRow &r) { current_->shm.put(r), rows_added(); }
void Writer::add(const ShmUseRow &r) { current_->shm_uses.put(r), rows_added(); }
void Writer::add(const SessionRow &r) { current_->sessions.put(r), rows_added(); }
void Writer::add(const OpteeWaitRow &r) { current_->waits.put(r), rows_added(); }
void Writer::add(const GuestRow &r) { current_->guests.put(r), rows_added(); }

void Writer::set_user_names(UserNames names) { user_names_ = std::move(names); }

void Writer::count(const std::string &name, const std::string &severity, uint64_t n, const std::string &example)
{
    Stat &s = stats_[name];
    if (s.count == 0 && s.example.empty()) {
        s.severity = severity;
        s.example = example;
    }
    s.count += n;
}

void Writer::set_metadata(const std::string &key, const std::string &value)
{
    if (key == "complete" || key == "schema_version")
        return; // the writer's own
    metadata_[key] = value;
}

void Writer::finish()
{
    if (finished_)
        throw Error(path_ + ": the database is already finished");
    if (current_->rows)
        hand_over();
    stop_thread();
    rethrow_failure();
    // The batches are of no more use: their memory is returned before the indexes are sorted.
    queue_.clear();
    spare_.clear();
    current_ = std::make_unique<Batch>();

    // The summed tables go first: the timeline's buckets are freed before the indexes are sorted.
    inserter_->write_invocation_groups();
    inserter_->write_timeline_summary(metadata_);
    if (!options_.live)
        inserter_->create_indexes();
    inserter_->write_names(user_names_);
    inserter_->compute_latency();
    auto metadata = metadata_;
    metadata["complete"] = "1";
    if (options_.live)
        metadata["live"] = "0";
    inserter_->write_tables(stats_, metadata);
    if (options_.live) {
        inserter_->end_live();
        inserter_->close();
        inserter_.reset();
        finished_ = true;
        return;
    }
    inserter_->close();
    inserter_.reset();

    // Durable before it takes the final name, then the rename itself.
    const std::string partial = partial_path();
    sync_path(partial, O_RDONLY);
    std::error_code ec;
    std::filesystem::rename(partial, path_, ec);
    if (ec)
        throw Error(path_ + ": cannot move " + partial + " into place: " + ec.message());
    finished_ = true;
    std::filesystem::path dir = std::filesystem::absolute(path_, ec).parent_path();
    if (!ec)
        sync_path(dir.string(), O_RDONLY | O_DIRECTORY);
}

} // namespace teescope::store

// SPDX-License-Identifier: MIT
// `teescope export`: reads the options, checks them against the trace, and hands the work to the
// exporter library (timelines) or to the GUI's graph code (pictures).
#include "teescope/cli/export.h"

#include "export_graph.h"

#include "teescope/export/export.h"
#include "teescope/export/output_file.h"
#include "teescope/export/time_spec.h"
#include "teescope/store/database.h"

#include <filesystem>
#include <optional>
#include <ostream>
#include <string_view>

namespace teescope::cli {

namespace {

constexpr const char *kUsage =
    "usage: teescope export FILE.db [--format perfetto|chrome-json|dot|svg|png] [--at TIME] [--range A..B] -o OUT\n"
    "  TIME, A and B are offsets from the trace start: nanoseconds, or a number with a unit\n"
    "  (900ns, 40us, 250ms, 1.5s). Without --format the format follows OUT's extension\n"
    "  (.pftrace, .json, .dot, .svg, .png).\n";

int usage(std::ostream &err, const std::string &message)
{
    err << "teescope export: " << message << "\n" << kUsage;
    return 2;
}

// The format an output name implies, if any.
std::optional<exporter::Format> format_of(const std::string &output)
{
    const std::string ext = std::filesystem::path(output).extension().string();
    if (ext == ".pftrace" || ext == ".perfetto-trace" || ext == ".pb")
        return exporter::Format::perfetto;
    if (ext == ".json")
        return exporter::Format::chrome_json;
    if (ext == ".dot" || ext == ".svg" || ext == ".png")
        return exporter::parse_format(ext.substr(1));
    return std::nullopt;
}

// "--name VALUE" or "--name=VALUE" at args[i]; `missing` when the value is not there.
bool option(const std::vector<std::string> &args, size_t &i, std::string_view name, std::string &value,
            bool &missing)
{
    std::string_view arg = args[i];
    if (arg == name) {
        if (i + 1 >= args.size())
            missing = true;
        else
            value = args[++i];
        return true;
    }
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
        value = std::string(arg.substr(name.size() + 1));
        return true;
    }
    return false;
}

} // namespace

int export_command(const std::vector<std::string> &args, std::ostream &out, std::ostream &err)
{
    std::string db_path, output, format_text, at_text, range_text;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string value;
        bool missing = false;
        if (option(args, i, "--format", value, missing)) {
            format_text = value;
        } else if (option(args, i, "--at", value, missing)) {
            at_text = value;
        } else if (option(args, i, "--range", value, missing)) {
            range_text = value;
        } else if (option(args, i, "-o", value, missing) || option(args, i, "--output", value, missing)) {
            output = value;
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            return usage(err, "unknown option '" + args[i] + "'");
        } else if (db_path.empty()) {
            db_path = args[i];
        } else {
            return usage(err, "one database at a time ('" + args[i] + "' is a second one)");
        }
        if (missing)
            return usage(err, args[i] + " needs a value");
    }
    if (db_path.empty())
        return usage(err, "no database given");
    if (output.empty())
        return usage(err, "no output file given (-o OUT)");

    std::optional<exporter::Format> format;
    if (!format_text.empty()) {
        format = exporter::parse_format(format_text);
        if (!format)
            return usage(err, "unknown format '" + format_text + "' (perfetto, chrome-json, dot, svg, png)");
    } else {
        format = format_of(output);
        if (!format)
            return usage(err, "no --format given and " + output + " does not say which");
    }
    const bool graph = exporter::is_graph_format(*format);
    if (!at_text.empty() && !graph)
        return usage(err, "--at applies to the graph formats (dot, svg, png); use --range for " +
                              std::string(exporter::format_name(*format)));
    if (!range_text.empty() && graph)
        return usage(err, "--range applies to perfetto and chrome-json; the graph is drawn at one time (--at)");
    std::optional<int64_t> at;
    if (!at_text.empty() && !(at = exporter::parse_offset(at_text)))
        return usage(err, "bad --at '" + at_text +
                              "': an offset from the trace start in nanoseconds, or a number with ns, us, ms or s");
    std::optional<exporter::OffsetRange> range;
    if (!range_text.empty()) {
        std::string why;
        range = exporter::parse_offset_range(range_text, why);
        if (!range)
            return usage(err, "bad --range '" + range_text + "': " + why);
    }

    try {
        auto db = store::Database::open_read_only(db_path);
        if (!db.complete())
            err << "teescope export: warning: " << db_path << " is incomplete (its import did not finish)\n";
        if (graph) {
            const int64_t at_ts = at ? exporter::resolve_time(db, *at) : exporter::trace_end(db);
            const int64_t start = exporter::trace_start(db);
            db.close();
            exporter::OutputFile file(output);
            file.close_stream();
            const std::string failed =
                draw_graph(db_path, std::string(exporter::format_name(*format)), at_ts, file.temp_path());
            if (!failed.empty()) {
                err << "teescope export: " << failed << "\n";
                return 1;
            }
            file.commit();
            out << "teescope export: wrote " << output << ": the capability graph at +"
                << double(at_ts - start) / 1e9 << " s\n";
            return 0;
        }
        const exporter::TimeRange r = range ? exporter::resolve_range(db, *range) : exporter::TimeRange{};
        const exporter::TimelineSummary s = exporter::export_timeline(db, *format, r, output);
        out << "teescope export: wrote " << output << ": " << s.processes << " processes, " << s.threads
            << " threads, " << s.slices << " slices, " << s.flows << " flows, " << s.instants << " instants, "
            << s.counter_values << " counter values\n";
        if (s.clipped_slices)
            err << "teescope export: " << s.clipped_slices
                << " slices outlived their parent (an end lost to data loss) and end with it\n";
        return 0;
    } catch (const exporter::RangeError &e) {
        return usage(err, e.what());
    } catch (const std::exception &e) {
        err << "teescope export: " << e.what() << "\n";
        return 1;
    }
}

} // namespace teescope::cli

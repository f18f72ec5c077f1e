// SPDX-License-Identifier: MIT
// Names of the operations of QTEE objects, by object class (objects.class) and op number:
// teescope's catalogue of the well-known services (op_catalogue.cpp) and the `op` lines of the
// user's names file (names_file.h). The import writes both into the op_names table; readers name
// an op with OpNames, read from that table.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace teescope::store {

// The class of op_names rows that name an op of every class (RELEASE, RETAIN).
inline constexpr const char *kEveryClass = "*";
// The classes the ops of two kinds of callback object (objects.class `callback`) are named by,
// known by the call that passed them to QTEE: a credentials object (IIO) goes to the root's
// register call, a listener to teesim's registry register call.
inline constexpr const char *kCredentialsClass = "credentials";
inline constexpr const char *kListenerClass = "listener";

struct OpName {
    std::string klass; // objects.class, kEveryClass, kCredentialsClass or kListenerClass
    int64_t op = 0;
    std::string name;  // one word, e.g. `add`, `register_as_client`
};

// teescope's own catalogue (one entry per line of op_catalogue.cpp).
const std::vector<OpName> &builtin_op_names();

// The op names of one database, for its readers.
class OpNames {
public:
    // The catalogue alone (a database written before op_names existed gets these).
    OpNames();
    // The op_names table of `db` (the catalogue where it is missing or still empty), and which
    // callback objects are credentials or listeners. Throws Error naming `file`.
    static OpNames read(sqlite3 *db, const std::string &file);

    void add(const std::string &klass, int64_t op, const std::string &name);
    // The name of `op` of an object of `klass`; empty if it has none.
    std::string name(const std::string &klass, int64_t op) const;
    // The same for an op of object `object_id`: a credentials object's ops are IIO's, a
    // listener's are the listener's.
    std::string name(int64_t object_id, const std::string &klass, int64_t op) const;
    // The name, else op_text(op): "add", "release", "7".
    std::string text(const std::string &klass, int64_t op) const;
    // "add (0)", "release (65535)", "7": the name with its number, as tables show it.
    std::string labelled(const std::string &klass, int64_t op) const;

private:
    std::map<std::pair<std::string, int64_t>, std::string> names_;
    std::map<int64_t, std::string> interface_; // callback object -> the class its ops are named by
};

} // namespace teescope::store

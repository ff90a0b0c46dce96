// index/: a writer replaces only what it owns (an absent or empty directory, or an
// index), checks that before any work, and holds a lock so two writers of one index
// never both proceed (the second fails with a one-line message naming the holder).
#include "index/index_helpers.h"
#include "index/output_dir.h"
#include "util/file_lock.h"

#include <csignal>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;

namespace {

void expect_error(const std::string & msg, const std::string & needle) {
    EXPECT_NE(msg, "") << "no ragppo::Error thrown";
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
}

// Holds the flock of `lock_file` in a forked child until `release` is written to its pipe.
struct LockHolder {
    pid_t pid = -1;
    int to_child = -1;
    explicit LockHolder(const fs::path & lock_file) {
        int ready[2], go[2];
        if (pipe(ready) != 0 || pipe(go) != 0) std::abort();
        pid = fork();
        if (pid == 0) {
            close(ready[0]);
            close(go[1]);
            const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT, 0644);
            if (fd < 0 || ::flock(fd, LOCK_EX) != 0) _exit(2);
            const std::string me = std::to_string(getpid()) + "\n";
            (void)!::write(fd, me.data(), me.size());
            (void)!::write(ready[1], "x", 1);
            char c;
            (void)!::read(go[0], &c, 1);  // until the parent says so (or dies)
            _exit(0);
        }
        close(ready[1]);
        close(go[0]);
        to_child = go[1];
        char c;
        if (::read(ready[0], &c, 1) != 1) std::abort();
        close(ready[0]);
    }
    ~LockHolder() {
        (void)!::write(to_child, "x", 1);
        close(to_child);
        int status = 0;
        waitpid(pid, &status, 0);
    }
};

}  // namespace

TEST(IndexOwnership, AFolderOfUserFilesIsNeverReplaced) {
    TempDir tmp;
    const fs::path d = user_folder(tmp.path / "thesis");
    expect_error(error_of([&] { vector_store_save(*make_store(5, 1), d.string()); }), "is not empty and is not a ragppo index");
    expect_user_folder_intact(d);
    expect_error(error_of([&] { vector_store_append(d.string(), synthetic_nodes(0, 2), random_vectors(2, kDim, 2)); }),
                 "not a ragppo index");
    expect_user_folder_intact(d);
    // A manifest.json of some other tool is not an index either.
    write_file(tmp.path / "other" / "manifest.json", "{\"format\": \"something-else\"}");
    expect_error(error_of([&] { vector_store_save(*make_store(5, 1), tmp / "other"); }), "not a ragppo index");
    EXPECT_EQ(read_file(tmp.path / "other" / "manifest.json"), "{\"format\": \"something-else\"}");
}

TEST(IndexOwnership, AbsentEmptyAndExistingIndexDirectoriesAreWritten) {
    TempDir tmp;
    vector_store_save(*make_store(5, 1), tmp / "new");  // absent
    fs::create_directory(tmp.path / "empty");
    vector_store_save(*make_store(6, 2), tmp / "empty");  // empty
    vector_store_save(*make_store(7, 3), tmp / "new");    // an index, replaced
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "new")), 7u);
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "empty")), 6u);
    // A trailing '/' names the same directory.
    vector_store_save(*make_store(8, 4), tmp / "new/");
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "new")), 8u);
    EXPECT_EQ(index::check_index_output(index::index_target(tmp / "new/"), true), index::OutputState::Index);
}

TEST(IndexOwnership, AppendNeedsAnExistingIndex) {
    TempDir tmp;
    expect_error(error_of([&] { index::check_index_output(index::index_target(tmp / "none"), true); }), "no index at");
    fs::create_directory(tmp.path / "empty");
    expect_error(error_of([&] { index::check_index_output(index::index_target(tmp / "empty"), true); }), "empty directory");
    EXPECT_FALSE(fs::exists(tmp.path / "none"));
}

TEST(IndexOwnership, TheCurrentDirectoryItsAncestorsAndLinksAreRefused) {
    TempDir tmp;
    fs::create_directories(tmp.path / "work" / "sub");
    const fs::path old = fs::current_path();
    fs::current_path(tmp.path / "work" / "sub");
    const std::string dot = error_of([] { index::index_target("."); });
    const std::string up = error_of([] { index::index_target(".."); });
    const std::string root = error_of([] { index::index_target("/"); });
    const std::string below = error_of([] { index::index_target("./idx/"); });
    fs::current_path(old);
    expect_error(dot, "current directory");
    expect_error(up, "current directory");
    EXPECT_NE(root, "");
    EXPECT_EQ(below, "");
    fs::create_directory_symlink(tmp.path / "work", tmp.path / "link");
    expect_error(error_of([&] { index::index_target(tmp / "link"); }), "symbolic link");
}

TEST(IndexOwnership, ASecondWriterFailsWhileTheFirstHoldsTheLock) {
    TempDir tmp;
    vector_store_save(*make_store(10, 5), tmp / "idx");
    std::string err;
    pid_t holder = -1;
    {
        LockHolder other(tmp.path / ".idx.lock");  // where lock_index puts it: beside the index
        holder = other.pid;
        err = error_of([&] { vector_store_append(tmp / "idx", synthetic_nodes(10, 4), random_vectors(4, kDim, 6)); });
    }
    expect_error(err, "is being written by another ragppo process (pid " + std::to_string(holder) + ")");
    EXPECT_NE(err.find(tmp / "idx"), std::string::npos) << err;
    EXPECT_EQ(vector_store_size(*vector_store_load(tmp / "idx")), 10u);  // untouched
    // Once the other writer is gone, the append goes through.
    EXPECT_EQ(vector_store_append(tmp / "idx", synthetic_nodes(10, 4), random_vectors(4, kDim, 6)), 4u);
}

TEST(IndexOwnership, ConcurrentAppendsNeverLoseAnUpdate) {
    // Two processes append different nodes at once, each retrying while the other holds
    // the lock: the index ends with both sets, whoever went first.
    TempDir tmp;
    vector_store_save(*make_store(10, 7), tmp / "idx");
    auto appender = [&](size_t first, uint32_t seed) {
        const pid_t pid = fork();
        if (pid == 0) {
            for (int attempt = 0; attempt < 2000; ++attempt) {
                try {
                    vector_store_append(tmp / "idx", synthetic_nodes(first, 300, " p"), random_vectors(300, kDim, seed));
                    _exit(0);
                } catch (const Error & e) {
                    if (std::string(e.what()).find("being written by another") == std::string::npos) _exit(2);
                    usleep(2000);
                }
            }
            _exit(3);
        }
        return pid;
    };
    const pid_t a = appender(100, 8), b = appender(1000, 9);
    int sa = 0, sb = 0;
    waitpid(a, &sa, 0);
    waitpid(b, &sb, 0);
    ASSERT_TRUE(WIFEXITED(sa) && WEXITSTATUS(sa) == 0) << sa;
    ASSERT_TRUE(WIFEXITED(sb) && WEXITSTATUS(sb) == 0) << sb;
    const auto s = vector_store_load(tmp / "idx");
    EXPECT_EQ(vector_store_size(*s), 610u);
    EXPECT_TRUE(vector_store_contains(*s, index_node_id(synthetic_node(150, " p").text)));
    EXPECT_TRUE(vector_store_contains(*s, index_node_id(synthetic_node(1150, " p").text)));
}

TEST(IndexOwnership, TheLockNamesItsHolderAndIsFreedWhenItDies) {
    TempDir tmp;
    const fs::path lock_file = tmp.path / ".x.lock";
    {
        const auto lock = util::FileLock::acquire(lock_file, "thing X");
        EXPECT_TRUE(lock.held());
        // flock is per open file: a second acquire, even in this process, is refused.
        expect_error(error_of([&] { util::FileLock::acquire(lock_file, "thing X"); }),
                     "thing X is being written by another ragppo process (pid " + std::to_string(getpid()) + ")");
    }
    const pid_t pid = fork();
    if (pid == 0) {
        const auto lock = util::FileLock::acquire(lock_file, "thing X");
        raise(SIGKILL);  // dies holding it
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_TRUE(util::FileLock::acquire(lock_file, "thing X").held());
}

TEST(IndexOwnership, TempDirsOfDeadWritersAreRemovedByTheNextWriter) {
    TempDir tmp;
    vector_store_save(*make_store(5, 9), tmp / "idx");
    const pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, nullptr, 0);
    const fs::path stale = tmp.path / (".idx.tmp-" + std::to_string(dead) + "-3");
    write_file(stale / "index.faiss", std::string(4096, 'x'));
    vector_store_append(tmp / "idx", synthetic_nodes(5, 2), random_vectors(2, kDim, 10));
    EXPECT_FALSE(fs::exists(stale));
    // Those of a live writer (here: a pid that exists) are left alone.
    const fs::path live = tmp.path / (".idx.tmp-" + std::to_string(getppid()) + "-0");
    write_file(live / "index.faiss", "x");
    vector_store_save(*make_store(5, 9), tmp / "idx");
    EXPECT_TRUE(fs::exists(live));
}

// util/atomic_write: write_file_atomic, the file half of the one crash-safe writer
// (its directory half is tested with the index in tests/index/test_atomic.cpp).
#include "support/files.h"
#include "support/paths.h"
#include "util/atomic_write.h"

#include <gtest/gtest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;

namespace {

size_t entries(const fs::path & dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto & e : fs::directory_iterator(dir)) ++n;
    return n;
}

}  // namespace

TEST(AtomicWrite, FileIsCreatedWithItsFoldersAndReplacedWhole) {
    const fs::path dir = make_temp_dir("ragppo_atomic_file_");
    const fs::path target = dir / "a" / "b" / "report.json";
    util::write_file_atomic(target.string(), "first\n");
    EXPECT_EQ(read_file(target), "first\n");
    util::write_file_atomic(target.string(), "second, longer\n");
    EXPECT_EQ(read_file(target), "second, longer\n");
    util::write_file_atomic(target.string(), "");
    EXPECT_EQ(read_file(target), "");
    EXPECT_EQ(entries(target.parent_path()), 1u) << "a temp file was left beside the target";
    fs::remove_all(dir);
}

TEST(AtomicWrite, AFolderInTheWayIsAnErrorAndStaysUntouched) {
    const fs::path dir = make_temp_dir("ragppo_atomic_file_");
    write_file(dir / "out" / "keep.txt", "mine");
    const std::string msg = error_of([&] { util::write_file_atomic((dir / "out").string(), "x"); });
    EXPECT_NE(msg, "");
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_NE(msg.find((dir / "out").string()), std::string::npos) << msg;
    EXPECT_EQ(read_file(dir / "out" / "keep.txt"), "mine");
    EXPECT_EQ(entries(dir), 1u) << "a temp file was left behind";
    fs::remove_all(dir);
}

TEST(AtomicWrite, AWriterKilledBeforeTheRenameLeavesTheOldFile) {
    const fs::path dir = make_temp_dir("ragppo_atomic_file_");
    const fs::path target = dir / "state.json";
    util::write_file_atomic(target.string(), "old");
    const std::string big(32 << 20, 'n');
    for (int delay_us : {0, 2000, 8000, 30000}) {
        const pid_t pid = fork();
        if (pid == 0) {
            try {
                for (;;) util::write_file_atomic(target.string(), big);
            } catch (...) {
            }
            _exit(1);
        }
        usleep(static_cast<useconds_t>(delay_us));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        const std::string now = read_file(target);
        EXPECT_TRUE(now == "old" || now == big) << "torn file of " << now.size() << " bytes after " << delay_us << " us";
    }
    fs::remove_all(dir);
}

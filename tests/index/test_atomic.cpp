// index/: a writer killed at any moment leaves the previous complete index or the new one.
// The writer runs in a forked child that is SIGKILLed, at a chosen stage (test hook) or
// after a random delay once it has started writing.
#include "index/index_helpers.h"
#include "util/atomic_write.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <random>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace ragppo;
using namespace ragppo::test;
namespace fs = std::filesystem;

namespace {

// Fork; the child runs `body` then exits 0 (or 1 on an exception). Returns the wait status.
template <class F> int run_child(F && body) {
    const pid_t pid = fork();
    if (pid == 0) {
        try {
            body();
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

// Which of the two candidate stores the directory holds; fails the test if neither.
char which(const std::string & dir, const VectorStore & a, const VectorStore & b) {
    VectorStorePtr l = vector_store_load(dir);
    const size_t n = vector_store_size(*l);
    const VectorStore & want = n == vector_store_size(a) ? a : b;
    EXPECT_EQ(n, vector_store_size(want));
    if (n != vector_store_size(want)) return '?';
    for (size_t i : {size_t(0), n / 2, n - 1}) EXPECT_EQ(vector_store_node(*l, i).text, vector_store_node(want, i).text);
    return &want == &a ? 'A' : 'B';
}

size_t leftovers(const fs::path & parent) {
    size_t n = 0;
    for (const auto & e : fs::directory_iterator(parent)) n += e.path().filename().string()[0] == '.';
    return n;
}

}  // namespace

TEST(IndexAtomic, KillAtEveryStageLeavesACompleteIndex) {
    auto a = make_store(50, 40);
    auto b = make_store(80, 41, {}, " v2");
    const std::vector<std::pair<std::string, char>> stages = {
        {"tmp-created", 'A'},     {"file:index.faiss", 'A'}, {"file:nodes.bin", 'A'}, {"file:manifest.json", 'A'},
        {"synced", 'A'},          {"moved-aside", 'A'},      {"swapped", 'B'},
    };
    for (bool exchange : {true, false}) {
        for (const auto & [stage, expect] : stages) {
            if (exchange && stage == "moved-aside") continue;  // only the two-rename path has it
            SCOPED_TRACE((exchange ? "exchange, " : "two renames, ") + stage);
            TempDir tmp;
            const std::string dir = tmp / "idx";
            vector_store_save(*a, dir);
            const int status = run_child([&, stage = stage] {
                util::set_rename_exchange(exchange);
                util::set_write_hook([&](std::string_view s) {
                    if (s == stage) raise(SIGKILL);
                });
                vector_store_save(*b, dir);
            });
            ASSERT_TRUE(killed(status)) << "status " << status;
            EXPECT_EQ(which(dir, *a, *b), expect);
            // The next write cleans up what the dead one left, and succeeds.
            vector_store_save(*b, dir);
            EXPECT_EQ(which(dir, *a, *b), 'B');
            EXPECT_EQ(leftovers(tmp.path), 0u);
        }
    }
}

TEST(IndexAtomic, KillAtRandomMomentsDuringALargeWrite) {
    // ~30 MB of vectors plus nodes: long enough a write that kills land inside it.
    const size_t n = 20000;
    auto a = make_store(n, 42);
    auto b = make_store(n + 100, 43, {}, " v2");
    TempDir tmp;
    const std::string dir = tmp / "idx";
    vector_store_save(*a, dir);

    // Time the write the child makes (the new store over an old one) to spread the kills
    // over it; the fastest of three, as one slow fsync on a busy disk would stretch a
    // single timing past the child's whole write and every kill would land after the swap.
    vector_store_save(*a, tmp / "timing");
    double write_us = 1e300;
    for (int i = 0; i < 3; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        vector_store_save(*b, tmp / "timing");
        write_us = std::min(write_us, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }

    std::mt19937 rng(7);
    int olds = 0, news = 0;
    for (int round = 0; round < 6; ++round) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            util::set_write_hook([&](std::string_view s) {
                if (s == "tmp-created") (void) !write(fds[1], "x", 1);
            });
            try {
                vector_store_save(*b, dir);
            } catch (...) {
                _exit(1);
            }
            _exit(0);
        }
        close(fds[1]);
        char c;
        ASSERT_EQ(read(fds[0], &c, 1), 1);  // the child has begun writing
        close(fds[0]);
        // Mostly inside the write; the last rounds may land after it.
        const double delay = std::uniform_real_distribution<double>(0, 1.2 * write_us)(rng);
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(delay)));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        const char got = which(dir, *a, *b);
        ASSERT_NE(got, '?');
        (got == 'A' ? olds : news)++;
        if (got == 'B') vector_store_save(*a, dir);  // back to the old one for the next round
    }
    RecordProperty("killed_before_swap", olds);
    EXPECT_GT(olds, 0) << "no kill landed mid-write (write took " << write_us << " us)";
}

#include "util/progress.h"

#include <cstdio>
#include <unistd.h>

namespace ragppo {

namespace {

std::string human(double v, const std::string & unit) {
    char buf[64];
    if (unit == "B") {
        const char * units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < 4) { v /= 1024; ++u; }
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f %s", v, unit.c_str());
    }
    return buf;
}

// Slow work (PPO steps) runs at fractions of a unit per second.
std::string rate_text(double rate, const std::string & unit) {
    if (unit == "B" || rate >= 10) return human(rate, unit);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f %s", rate, unit.c_str());
    return buf;
}

std::string clock_text(double seconds) {
    if (seconds < 0 || seconds > 359999) return "--:--";
    const int s = static_cast<int>(seconds);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
    return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

bool ProgressBar::enabled() {
    static const bool tty = isatty(STDERR_FILENO) != 0;
    return tty;
}

void ProgressBar::update(uint64_t done) {
    done_ = done;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ >= std::chrono::milliseconds(100) || (total_ && done_ >= total_)) {
        last_draw_ = now;
        draw(false);
    }
}

void ProgressBar::finish() {
    if (finished_) return;
    finished_ = true;
    draw(true);
}

void ProgressBar::draw(bool final) {
    if (!enabled()) return;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = secs > 0 ? done_ / secs : 0;
    const int width = 28;
    std::string bar;
    if (total_ > 0) {
        const int fill = static_cast<int>(width * std::min<double>(1.0, double(done_) / total_));
        bar = std::string(fill, '#') + std::string(width - fill, '.');
    }
    const double eta = (total_ > 0 && rate > 0) ? (total_ - std::min(done_, total_)) / rate : -1;
    std::fprintf(stderr, "\r%s [%s] %s/%s  %s/s  ETA %s  %s  ", label_.c_str(), bar.c_str(),
                 human(done_, unit_).c_str(), total_ ? human(total_, unit_).c_str() : "?",
                 rate_text(rate, unit_).c_str(), clock_text(final ? 0 : eta).c_str(), status_.c_str());
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
}

}  // namespace ragppo

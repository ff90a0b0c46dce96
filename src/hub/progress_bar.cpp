#include "hub/progress_bar.h"

namespace ragppo::hub {

void DownloadProgress::on_start(const common_download_progress & p) {
    if (wanted_ && util::ProgressBar::enabled()) bar_ = std::make_unique<util::ProgressBar>(label_, p.total, "B");
}

void DownloadProgress::on_update(const common_download_progress & p) {
    if (bar_) bar_->update(p.downloaded);
}

void DownloadProgress::on_done(const common_download_progress &, bool) {
    if (bar_) bar_->finish();
    bar_.reset();
}

}  // namespace ragppo::hub

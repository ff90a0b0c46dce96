// Feeds llama.cpp's download progress into ragppo's stderr progress bar (util/progress.h:
// bytes, rate, ETA; drawn only when stderr is a terminal).
#pragma once

#include "download.h"  // common_download_callback
#include "util/progress.h"

#include <memory>
#include <string>

namespace ragppo::hub {

class DownloadProgress : public common_download_callback {
public:
    // `wanted` = false keeps it silent. Always hand one to llama.cpp: its default bar
    // draws on stdout, where the CLI prints paths.
    DownloadProgress(std::string label, bool wanted) : label_(std::move(label)), wanted_(wanted) {}

    void on_start(const common_download_progress & p) override;
    void on_update(const common_download_progress & p) override;
    void on_done(const common_download_progress & p, bool ok) override;

private:
    std::string label_;
    bool wanted_;
    std::unique_ptr<util::ProgressBar> bar_;
};

}  // namespace ragppo::hub

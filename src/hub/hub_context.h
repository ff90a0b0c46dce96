// Everything a hub call needs to know, resolved once per call from HubParams and the
// environment (never cached across calls: tests and long-lived hosts change the env).
#pragma once

#include "ragppo.h"

#include <string>
#include <vector>

namespace ragppo::hub {

struct HubContext {
    std::string endpoint;                  // always ends with '/'
    std::string token;                     // "" = anonymous
    bool offline = false;
    bool refresh = false;
    bool progress = true;
    std::string write_cache;               // where downloads go
    std::vector<std::string> read_caches;  // write_cache first, then read-only caches
};

HubContext make_context(const HubParams & params);

// "1", "true", "yes", "on" (any case) -> true.
bool env_flag(const char * name);

}  // namespace ragppo::hub

// A TCP port on 127.0.0.1 that nothing listens on at the moment of asking (the
// kernel's pick): for a rendezvous on this machine (`ppo --nproc`) and for tests.
// Another process may take it before the caller binds it; callers that cannot
// retry accept that small race, as torchrun's standalone mode does.
#pragma once

#include "ragppo/util.h"

namespace ragppo::util {

using ragppo::free_loopback_port;  // declared by the public utility face

}  // namespace ragppo::util

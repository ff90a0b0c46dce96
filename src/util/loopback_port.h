// A TCP port on 127.0.0.1 that nothing listens on at the moment of asking (the
// kernel's pick): for a rendezvous on this machine (`ppo --nproc`) and for tests.
// Another process may take it before the caller binds it; callers that cannot
// retry accept that small race, as torchrun's standalone mode does.
#pragma once

namespace ragppo::util {

// Throws ragppo::Error when no socket can be opened or bound.
int free_loopback_port();

}  // namespace ragppo::util

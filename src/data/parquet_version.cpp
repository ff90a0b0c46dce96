// The Arrow C++ release the Parquet reader was built against (system-info).
#include "ragppo.h"

#include <arrow/config.h>

namespace ragppo {

std::string arrow_version() { return arrow::GetBuildInfo().version_string; }

}  // namespace ragppo

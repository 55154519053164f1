// Online unlock: implemented with the unlock service (issue 5).
#include "cli.hpp"

namespace akis::cli {

int cmd_unlock(const Options&, const std::string&, const std::string&) {
  throw Failure(kNotPossible, "not implemented yet");
}

}  // namespace akis::cli

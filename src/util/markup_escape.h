// Text into HTML or XML (SVG) markup: the five characters with a meaning there become
// entities, so user text (a recipe, a question, a chart title) is shown, never parsed.
#pragma once

#include <string>

namespace ragppo::util {

// & < > " ' -> &amp; &lt; &gt; &quot; &#39; (valid in element text and quoted attributes).
std::string markup_escape(const std::string & s);

}  // namespace ragppo::util

// The page at "/": one self-contained HTML file (inline CSS and script, no CDN),
// compiled into the binary so the server works offline.
#pragma once

namespace ragppo::serve {

const char * web_page_html();

}  // namespace ragppo::serve

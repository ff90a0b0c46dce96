#include "data/python_list.h"

#include "text/utf8.h"

#include <stdexcept>

namespace ragppo::data {

namespace {

class Parser {
  public:
    explicit Parser(std::string_view s) : s_(s) {}

    std::vector<std::string> list() {
        skip_space();
        expect('[');
        std::vector<std::string> items;
        for (;;) {
            skip_space();
            if (peek() == ']') { ++p_; break; }
            items.push_back(item());
            skip_space();
            if (peek() == ',') { ++p_; continue; }
            expect(']');
            break;
        }
        skip_space();
        if (p_ != s_.size()) fail("unexpected text after the closing ]");
        return items;
    }

  private:
    [[noreturn]] void fail(const std::string & why) const {
        throw std::invalid_argument("not a Python list of strings (" + why + " at offset " + std::to_string(p_) + ")");
    }
    char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
    void expect(char c) {
        if (peek() != c) fail(std::string("expected '") + c + "'");
        ++p_;
    }
    // Inside brackets Python ignores newlines and comments between tokens.
    void skip_space() {
        while (p_ < s_.size()) {
            const char c = s_[p_];
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') { ++p_; continue; }
            if (c == '#') {
                while (p_ < s_.size() && s_[p_] != '\n') ++p_;
                continue;
            }
            break;
        }
    }

    // One list element: one or more adjacent string literals ('a' "b" == 'ab').
    std::string item() {
        std::string out;
        bool any = false;
        for (;;) {
            const size_t save = p_;
            bool raw = false;
            while (p_ < s_.size() && std::string_view("rRuUbBfF").find(s_[p_]) != std::string_view::npos) {
                const char c = s_[p_] | 0x20;
                if (c == 'b') fail("bytes literal");
                if (c == 'f') fail("f-string");
                raw = raw || c == 'r';
                ++p_;
            }
            if (peek() != '\'' && peek() != '"') {
                p_ = save;
                if (!any) fail("expected a string literal");
                return out;
            }
            literal(out, raw);
            any = true;
            skip_space();
        }
    }

    void literal(std::string & out, bool raw) {
        const char q = s_[p_];
        const bool triple = s_.substr(p_, 3) == std::string(3, q);
        p_ += triple ? 3 : 1;
        for (;;) {
            if (p_ >= s_.size()) fail("unterminated string");
            const char c = s_[p_];
            if (c == q && (!triple || s_.substr(p_, 3) == std::string(3, q))) {
                p_ += triple ? 3 : 1;
                return;
            }
            if (c == '\n' && !triple) fail("newline in a single-quoted string");
            if (c == '\\') {
                if (p_ + 1 >= s_.size()) fail("unterminated string");
                if (raw) {  // a raw string keeps the backslash and never ends on \'
                    out += c;
                    out += s_[p_ + 1];
                    p_ += 2;
                } else {
                    escape(out);
                }
                continue;
            }
            out += c;
            ++p_;
        }
    }

    uint32_t hex(size_t digits) {
        if (p_ + digits > s_.size()) fail("truncated escape");
        uint32_t v = 0;
        for (size_t i = 0; i < digits; ++i) {
            const char c = s_[p_ + i];
            int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
            if (d < 0) fail("bad hex escape");
            v = v * 16 + d;
        }
        p_ += digits;
        return v;
    }

    void code_point(std::string & out, uint32_t cp) {
        if (cp > 0x10FFFF) fail("escape beyond U+10FFFF");
        if (cp >= 0xD800 && cp <= 0xDFFF) fail("lone surrogate escape");
        text::append_utf8(out, cp);
    }

    // p_ is on the backslash.
    void escape(std::string & out) {
        const char e = s_[p_ + 1];
        p_ += 2;
        switch (e) {
            case '\n': return;  // line continuation
            case '\\': out += '\\'; return;
            case '\'': out += '\''; return;
            case '"': out += '"'; return;
            case 'a': out += '\a'; return;
            case 'b': out += '\b'; return;
            case 'f': out += '\f'; return;
            case 'n': out += '\n'; return;
            case 'r': out += '\r'; return;
            case 't': out += '\t'; return;
            case 'v': out += '\v'; return;
            case 'x': code_point(out, hex(2)); return;
            case 'u': code_point(out, hex(4)); return;
            case 'U': code_point(out, hex(8)); return;
            case 'N': fail("\\N{...} escapes are not supported");
            default: break;
        }
        if (e >= '0' && e <= '7') {  // up to three octal digits
            uint32_t v = e - '0';
            for (int i = 0; i < 2 && p_ < s_.size() && s_[p_] >= '0' && s_[p_] <= '7'; ++i) v = v * 8 + (s_[p_++] - '0');
            code_point(out, v);
            return;
        }
        // Python keeps an unknown escape as written (backslash included).
        out += '\\';
        out += e;
    }

    std::string_view s_;
    size_t p_ = 0;
};

}  // namespace

std::vector<std::string> parse_python_str_list(std::string_view text) { return Parser(text).list(); }

}  // namespace ragppo::data

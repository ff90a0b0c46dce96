#include "data/csv_reader.h"

#include "text/utf8.h"

#include <cstdio>

namespace ragppo::data {

namespace {

bool is_eol(char c) { return c == '\n' || c == '\r'; }

// Offset of the first ill-formed UTF-8 sequence in s, or npos.
size_t first_invalid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
        const auto ch = text::decode_utf8_char(s, i);
        if (!ch.valid) return i;
        i += ch.length;
    }
    return std::string_view::npos;
}

}  // namespace

CsvReader::CsvReader(std::string_view bytes) : s_(bytes) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

bool CsvReader::fail(CsvRecord & rec, size_t start, const std::string & why) {
    rec.fields.clear();
    rec.error = why;
    const size_t nl = s_.find('\n', start);
    pos_ = nl == std::string_view::npos ? s_.size() : nl + 1;
    line_ = rec.line + 1;
    return true;
}

bool CsvReader::next(CsvRecord & rec) {
    const size_t n = s_.size();
    while (pos_ < n && is_eol(s_[pos_])) {  // blank lines (a CR, LF or CRLF each)
        if (s_[pos_] == '\r' && pos_ + 1 < n && s_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }
    if (pos_ >= n) return false;

    rec = CsvRecord{};
    rec.line = line_;
    const size_t start = pos_;
    size_t p = pos_;
    size_t line = line_;
    std::string field;
    for (;;) {
        field.clear();
        if (p < n && s_[p] == '"') {
            const size_t open_line = line;
            for (++p;; ++p) {
                if (p >= n) return fail(rec, start, "bad quoting: quoted field opened on line " +
                                                        std::to_string(open_line) + " is never closed");
                if (s_[p] == '"') {
                    if (p + 1 < n && s_[p + 1] == '"') { field += '"'; ++p; continue; }
                    ++p;
                    break;
                }
                if (s_[p] == '\n') ++line;
                field += s_[p];
            }
            if (p < n && s_[p] != ',' && !is_eol(s_[p])) {
                return fail(rec, start, "bad quoting: text after a closing quote on line " + std::to_string(line));
            }
        } else {
            for (; p < n && s_[p] != ',' && !is_eol(s_[p]); ++p) {
                if (s_[p] == '"') {
                    return fail(rec, start, "bad quoting: quote inside an unquoted field on line " + std::to_string(line));
                }
                field += s_[p];
            }
        }
        rec.fields.push_back(field);
        if (p >= n) break;
        if (s_[p] == ',') { ++p; continue; }
        if (s_[p] == '\r' && p + 1 < n && s_[p + 1] == '\n') ++p;
        ++p;
        ++line;
        break;
    }

    // Checked on the raw bytes so a bad byte anywhere in the record is caught once.
    const std::string_view raw = s_.substr(start, p - start);
    if (const size_t bad = first_invalid_utf8(raw); bad != std::string_view::npos) {
        size_t bad_line = rec.line;
        for (size_t i = 0; i < bad; ++i) bad_line += raw[i] == '\n';
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(raw[bad]));
        // The quoting was sound, so the next record starts where this one ends.
        fail(rec, start, std::string("invalid UTF-8 (byte ") + byte + " on line " + std::to_string(bad_line) + ")");
        pos_ = p;
        line_ = line;
        return true;
    }
    pos_ = p;
    line_ = line;
    return true;
}

}  // namespace ragppo::data

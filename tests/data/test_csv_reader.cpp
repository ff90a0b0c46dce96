// RFC 4180 parsing and malformed-record reporting of the CSV reader.
#include "data/csv_reader.h"

#include <gtest/gtest.h>

using namespace ragppo::data;

namespace {

std::vector<CsvRecord> all(std::string_view text) {
    CsvReader r(text);
    std::vector<CsvRecord> out;
    for (CsvRecord rec; r.next(rec);) out.push_back(rec);
    return out;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST(CsvReader, QuotedFieldsDoubledQuotesCommasAndNewlines) {
    const auto recs = all("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,\"\"\n");
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].fields, (Fields{"a", "b", "c"}));
    EXPECT_EQ(recs[1].fields, (Fields{"x, y", "say \"hi\"", "two\nlines"}));
    EXPECT_EQ(recs[2].fields, (Fields{"plain", "", ""}));
    EXPECT_EQ(recs[1].line, 2u);
    EXPECT_EQ(recs[2].line, 4u);  // the embedded newline moved it down a line
    for (const auto & r : recs) EXPECT_EQ(r.error, "");
}

TEST(CsvReader, CrlfBomBlankLinesAndNoFinalNewline) {
    const auto recs = all("\xEF\xBB\xBFh1,h2\r\n\r\n1,\"a\r\nb\"\r\n2,z");
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[0].fields, (Fields{"h1", "h2"}));
    EXPECT_EQ(recs[1].fields, (Fields{"1", "a\r\nb"}));  // CRLF inside quotes is data
    EXPECT_EQ(recs[1].line, 3u);
    EXPECT_EQ(recs[2].fields, (Fields{"2", "z"}));
    EXPECT_EQ(recs[2].line, 5u);
    EXPECT_EQ(all("a,b,\n").at(0).fields, (Fields{"a", "b", ""}));
    EXPECT_EQ(all("\xC3\xA9t\xC3\xA9,\xE2\x82\xAC\n").at(0).fields, (Fields{"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC"}));
}

TEST(CsvReader, BadQuotingIsFlaggedAndReadingResumesOnTheNextLine) {
    const auto recs = all("ok,1\nbad\"quote,2\n\"closed\"junk,3\n\"never closed,4\nfine,5\n");
    ASSERT_EQ(recs.size(), 5u);
    EXPECT_EQ(recs[0].error, "");
    EXPECT_NE(recs[1].error.find("quote inside an unquoted field on line 2"), std::string::npos) << recs[1].error;
    EXPECT_NE(recs[2].error.find("text after a closing quote on line 3"), std::string::npos) << recs[2].error;
    EXPECT_NE(recs[3].error.find("opened on line 4 is never closed"), std::string::npos) << recs[3].error;
    EXPECT_EQ(recs[3].line, 4u);
    EXPECT_EQ(recs[4].error, "");
    EXPECT_EQ(recs[4].fields, (Fields{"fine", "5"}));
    EXPECT_EQ(recs[4].line, 5u);
}

TEST(CsvReader, InvalidUtf8IsFlaggedWithItsLine) {
    const auto recs = all("a,b\n\"multi\nline \xFF\",x\nnext,y\n");
    ASSERT_EQ(recs.size(), 3u);
    EXPECT_EQ(recs[1].line, 2u);
    EXPECT_NE(recs[1].error.find("invalid UTF-8 (byte 0xFF on line 3)"), std::string::npos) << recs[1].error;
    EXPECT_EQ(recs[2].fields, (Fields{"next", "y"}));  // a well-quoted bad record costs only itself
    EXPECT_EQ(recs[2].line, 4u);
    EXPECT_NE(all("x\n\xC3\x28\n").at(1).error, "");   // truncated sequence
    EXPECT_NE(all("x\n\xED\xA0\x80\n").at(1).error, "");  // encoded surrogate
}

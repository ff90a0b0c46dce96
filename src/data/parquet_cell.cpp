#include "data/parquet_cell.h"

#include "text/utf8.h"

#include <arrow/array.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

namespace ragppo::data {

namespace {

bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
        const auto ch = text::decode_utf8_char(s, i);
        if (!ch.valid) return false;
        i += ch.length;
    }
    return true;
}

template <class A>
nlohmann::json text_cell(const arrow::Array & array, int64_t i, std::string & error) {
    const std::string_view v = static_cast<const A &>(array).GetView(i);
    if (!valid_utf8(v)) {
        error = "invalid UTF-8 in a string value";
        return nullptr;
    }
    return std::string(v);
}

template <class A>
nlohmann::json bytes_cell(const arrow::Array & array, int64_t i) {
    return text::to_valid_utf8(static_cast<const A &>(array).GetView(i));
}

template <class A>
nlohmann::json number_cell(const arrow::Array & array, int64_t i) {
    return static_cast<const A &>(array).Value(i);
}

nlohmann::json items_cell(const arrow::Array & values, int64_t offset, int64_t length, std::string & error) {
    nlohmann::json out = nlohmann::json::array();
    for (int64_t k = 0; k < length && error.empty(); ++k) out.push_back(parquet_cell(values, offset + k, error));
    return out;
}

template <class A>
nlohmann::json list_cell(const arrow::Array & array, int64_t i, std::string & error) {
    const auto & list = static_cast<const A &>(array);
    return items_cell(*list.values(), list.value_offset(i), list.value_length(i), error);
}

nlohmann::json struct_cell(const arrow::Array & array, int64_t i, std::string & error) {
    const auto & s = static_cast<const arrow::StructArray &>(array);
    nlohmann::json out = nlohmann::json::object();
    for (int f = 0; f < s.num_fields() && error.empty(); ++f) {
        out[s.struct_type()->field(f)->name()] = parquet_cell(*s.field(f), i, error);
    }
    return out;
}

// Arrow's text for the value ("2024-01-31", "12.50"): what a CSV of the table would hold.
nlohmann::json scalar_text(const arrow::Array & array, int64_t i) {
    auto scalar = array.GetScalar(i);
    if (!scalar.ok()) return nullptr;
    return (*scalar)->ToString();
}

}  // namespace

nlohmann::json parquet_cell(const arrow::Array & array, int64_t i, std::string & error) {
    if (array.IsNull(i)) return nullptr;
    using T = arrow::Type;
    switch (array.type_id()) {
        case T::NA: return nullptr;
        case T::BOOL: return static_cast<const arrow::BooleanArray &>(array).Value(i);
        case T::INT8: return number_cell<arrow::Int8Array>(array, i);
        case T::INT16: return number_cell<arrow::Int16Array>(array, i);
        case T::INT32: return number_cell<arrow::Int32Array>(array, i);
        case T::INT64: return number_cell<arrow::Int64Array>(array, i);
        case T::UINT8: return number_cell<arrow::UInt8Array>(array, i);
        case T::UINT16: return number_cell<arrow::UInt16Array>(array, i);
        case T::UINT32: return number_cell<arrow::UInt32Array>(array, i);
        case T::UINT64: return number_cell<arrow::UInt64Array>(array, i);
        case T::FLOAT: return number_cell<arrow::FloatArray>(array, i);
        case T::DOUBLE: return number_cell<arrow::DoubleArray>(array, i);
        case T::STRING: return text_cell<arrow::StringArray>(array, i, error);
        case T::LARGE_STRING: return text_cell<arrow::LargeStringArray>(array, i, error);
        case T::STRING_VIEW: return text_cell<arrow::StringViewArray>(array, i, error);
        case T::BINARY: return bytes_cell<arrow::BinaryArray>(array, i);
        case T::LARGE_BINARY: return bytes_cell<arrow::LargeBinaryArray>(array, i);
        case T::BINARY_VIEW: return bytes_cell<arrow::BinaryViewArray>(array, i);
        case T::LIST: return list_cell<arrow::ListArray>(array, i, error);
        case T::LARGE_LIST: return list_cell<arrow::LargeListArray>(array, i, error);
        case T::LIST_VIEW: return list_cell<arrow::ListViewArray>(array, i, error);
        case T::LARGE_LIST_VIEW: return list_cell<arrow::LargeListViewArray>(array, i, error);
        case T::FIXED_SIZE_LIST: return list_cell<arrow::FixedSizeListArray>(array, i, error);
        case T::STRUCT: return struct_cell(array, i, error);
        case T::DICTIONARY: {
            const auto & d = static_cast<const arrow::DictionaryArray &>(array);
            return parquet_cell(*d.dictionary(), d.GetValueIndex(i), error);
        }
        default: return scalar_text(array, i);
    }
}

}  // namespace ragppo::data

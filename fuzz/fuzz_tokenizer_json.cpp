// A GPT-2 tokenizer.json (text/gpt2_tokenizer_load): vocab, merges (both spellings),
// added tokens; a loaded tokenizer then encodes and decodes a fixed text.
#include "fuzz_support.h"
#include "text/gpt2_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const auto path = ragppo::fuzz::ScratchDir::write("tokenizer.json", ragppo::fuzz::as_view(data, size));
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        auto tok = ragppo::text::Gpt2Tokenizer::from_tokenizer_json(path);
        const auto ids = tok.encode("How do I make pancakes? 2 eggs, 1 cup flour <|endoftext|> \xC3\xA9\xF0\x9F\x8D\xB3");
        (void)tok.decode(ids);
    });
    return 0;
}

// The older pair of GPT-2 tokenizer files, vocab.json + merges.txt (one input holds
// both, see split_two); a loaded tokenizer encodes and decodes a fixed text.
#include "fuzz_support.h"
#include "text/gpt2_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const auto [vocab, merges] = ragppo::fuzz::split_two(ragppo::fuzz::as_view(data, size));
    const auto vocab_path = ragppo::fuzz::ScratchDir::write("vocab.json", vocab);
    const auto merges_path = ragppo::fuzz::ScratchDir::write("merges.txt", merges);
    ragppo::fuzz::expect_only_ragppo_errors([&] {
        auto tok = ragppo::text::Gpt2Tokenizer::from_vocab_and_merges(vocab_path, merges_path);
        const auto ids = tok.encode("Summarize: the cat sat on the mat.\n\n TL;DR \xE2\x80\x94 done");
        (void)tok.decode(ids, true);
    });
    return 0;
}

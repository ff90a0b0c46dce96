"""The recipe RAG through the bindings: index_build, QueryEngine, streaming, Generator."""

import json
import threading

import pytest

import ragppo


@pytest.fixture(scope="module")
def engine(small_index):
    return ragppo.QueryEngine(small_index, temperature=0.0, max_new_tokens=16)


def first_recipe(recipes_json):
    with open(recipes_json) as f:
        return json.load(f)[0]


def test_retrieve_finds_a_recipe_by_its_name(engine, recipes_json):
    store_first = first_recipe(recipes_json)
    hits = engine.retrieve(store_first["title"])
    assert len(hits) == 3
    assert hits[0].node.name == store_first["title"]
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert len(engine.retrieve(store_first["title"], k=5)) == 5
    assert engine.size >= 12


def test_ask_and_vanilla(engine, recipes_json):
    question = f"How do I make {first_recipe(recipes_json)['title']}?"
    rag = engine.ask(question)
    assert not rag.vanilla and len(rag.sources) == 3 and rag.answer
    assert rag.llm_calls >= 1 and rag.completion_tokens > 0
    vanilla = engine.vanilla(question)
    assert vanilla.vanilla and not vanilla.sources and vanilla.llm_calls == 1
    assert vanilla.prompt_tokens < rag.prompt_tokens  # the recipes are in the RAG prompt only
    # Greedy: the streamed pieces are the answer, and the stream returns the Response.
    pieces = []
    it = engine.stream(question)
    try:
        while True:
            pieces.append(next(it))
    except StopIteration as stop:
        streamed = stop.value
    assert "".join(pieces) == rag.answer == streamed.answer
    assert len(pieces) > 1


def test_on_token_callback_and_an_error_in_it(engine):
    seen = []
    r = engine.vanilla("How do I make toast?", on_token=seen.append)
    assert "".join(seen) == r.answer

    def boom(piece):
        raise KeyError("stop")

    with pytest.raises(KeyError):
        engine.vanilla("How do I make toast?", on_token=boom)
    assert engine.vanilla("How do I make toast?").answer == r.answer  # still usable


def test_generator_stream_closed_early_stops_decoding():
    g = ragppo.Generator()
    full = g.generate("Tell me about bread.", temperature=0.0, max_new_tokens=24)
    assert full.completion_tokens == 24 and full.stop == ragppo.StopReason.MaxTokens
    it = g.stream("Tell me about bread.", temperature=0.0, max_new_tokens=24)
    first = next(it)
    it.close()
    assert full.text.startswith(first)
    again = g.generate("Tell me about bread.", temperature=0.0, max_new_tokens=24)
    assert again.text == full.text  # the handle works after a cancelled stream


def test_bad_index_and_settings_are_errors(tmp_path, small_index):
    with pytest.raises(ragppo.Error) as e:
        ragppo.QueryEngine(str(tmp_path / "none"))
    assert "\n" not in str(e.value)
    with pytest.raises(ragppo.Error):
        ragppo.QueryEngine(small_index, similarity_top_k=0)
    with pytest.raises(ragppo.Error):
        ragppo.index_build(str(tmp_path / "missing.csv"), str(tmp_path / "out"))
    with pytest.raises(TypeError):
        ragppo.QueryEngine(small_index, temperature="hot")


def test_threads_and_a_stream_share_one_generator():
    g = ragppo.Generator()
    want = g.generate("Tell me about rice.", temperature=0.0, max_new_tokens=12).text
    results = []

    def ask():
        results.append(g.generate("Tell me about rice.", temperature=0.0, max_new_tokens=12).text)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [want] * 3
    # The same handle asked again while one of its streams is still being read.
    it = g.stream("Tell me about rice.", temperature=0.0, max_new_tokens=12)
    first = next(it)
    other = g.generate("Tell me about rice.", temperature=0.0, max_new_tokens=12).text
    assert first + "".join(it) == want
    assert other == want

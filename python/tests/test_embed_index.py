"""Embedder and VectorStore through the bindings: numpy in and out, the GIL released."""

import threading
import time

import numpy as np
import pytest

import ragppo

TEXTS = ["Fluffy pancakes with maple syrup", "Slow-cooked beef stew with carrots", "Lemon cheesecake with a biscuit base"]


@pytest.fixture(scope="module")
def embedder():
    return ragppo.Embedder()


def test_embed_returns_normalised_float32_rows(embedder):
    v = embedder.embed(TEXTS)
    assert isinstance(v, np.ndarray) and v.dtype == np.float32
    assert v.shape == (3, embedder.dim) and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    # The same text twice gives the same vector; another text another one.
    again = embedder.embed([TEXTS[0], TEXTS[1]])
    np.testing.assert_array_equal(again, v[:2])
    assert float(v[0] @ v[1]) < 0.9


def test_store_search_save_and_load(embedder, tmp_path):
    store = ragppo.VectorStore(embedder.dim, embed_model=ragppo.default_embedder_id())
    nodes = [ragppo.Node(t, uid=f"r{i}", name=t.split()[1]) for i, t in enumerate(TEXTS)]
    assert store.add(nodes, embedder.embed(TEXTS)) == 3
    assert store.add(nodes[:1], embedder.embed(TEXTS[:1])) == 0  # already there
    assert len(store) == 3
    hits = store.search(embedder.embed_queries(["how to make a stew"])[0], k=2)
    assert [h.node.uid for h in hits][:1] == ["r1"]
    assert hits[0].score >= hits[1].score
    store.save(str(tmp_path / "idx"))
    loaded = ragppo.VectorStore.load(str(tmp_path / "idx"))
    assert len(loaded) == 3 and loaded.dim == embedder.dim
    again = loaded.search(embedder.embed_queries(["how to make a stew"])[0], k=2)
    assert [(h.node.uid, h.score) for h in again] == [(h.node.uid, h.score) for h in hits]


def test_bad_input_is_an_error_with_one_line(embedder, tmp_path):
    store = ragppo.VectorStore(embedder.dim)
    with pytest.raises(ragppo.Error) as e:
        store.add([ragppo.Node("x")], np.zeros((1, 5), dtype=np.float32))
    assert "\n" not in str(e.value) and "expected 1 x 384" in str(e.value)
    with pytest.raises(ragppo.Error):
        ragppo.VectorStore.load(str(tmp_path / "nothing-here"))
    with pytest.raises(ragppo.Error) as e:
        ragppo.Embedder(str(tmp_path / "missing.gguf"))
    assert "\n" not in str(e.value)
    store.add([ragppo.Node("x")], embedder.embed(["x"]))
    q = embedder.embed_queries(["x"])[0]
    # float64 and non-contiguous queries are converted, not refused.
    assert store.search(q.astype(np.float64), k=1)[0].score == pytest.approx(store.search(q, k=1)[0].score)
    strided = np.repeat(q, 2)[::2]  # float32, not contiguous
    assert not strided.flags["C_CONTIGUOUS"]
    assert store.search(strided, k=1)[0].score == pytest.approx(store.search(q, k=1)[0].score)
    assert store.search(q[None, :], k=1)[0].node.text == "x"  # one row of a 2-D array
    with pytest.raises(TypeError, match="query must be a float32 array of 384 values, not list"):
        store.search(list(q))
    with pytest.raises(ragppo.Error, match="1-D or 2-D"):
        store.search(q.reshape(1, 1, -1))


def test_embed_releases_the_gil(embedder):
    texts = [f"{t} number {i}" for i in range(64) for t in TEXTS]
    ticks = 0
    done = threading.Event()

    def work():
        embedder.embed(texts)
        done.set()

    worker = threading.Thread(target=work)
    start = time.perf_counter()
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0)
    worker.join()
    elapsed = time.perf_counter() - start
    # While the embedder ran (hundreds of ms), this thread kept running Python.
    assert elapsed > 0.05
    assert ticks > 1000, f"{ticks} loop iterations in {elapsed:.2f} s: the GIL was held"


def test_threads_search_and_add_one_store_safely():
    # Small exact searches run with the GIL held and larger work releases it; either way
    # one store serves one call at a time, so concurrent searches and adds stay correct.
    rng = np.random.default_rng(3)
    dim = 64
    vectors = rng.standard_normal((200, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    store = ragppo.VectorStore(dim)
    store.add([ragppo.Node(f"node {i}", uid=str(i)) for i in range(100)], vectors[:100])
    errors = []

    def search(offset):
        try:
            for i in range(300):
                row = (offset + i) % 100
                hits = store.search(vectors[row], 3)
                assert hits[0].node.uid == str(row), (row, hits[0].node.uid)
                assert hits[0].score == pytest.approx(1.0, abs=1e-5)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def add():
        try:
            for i in range(100, 200):
                store.add([ragppo.Node(f"node {i}", uid=str(i))], vectors[i:i + 1])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=search, args=(k * 7,)) for k in range(3)] + [threading.Thread(target=add)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(store) == 200
    assert store.search(vectors[150], 1)[0].node.uid == "150"


def test_bench_hooks_time_the_same_cpp_calls(embedder):
    # bench/ measures the bindings' overhead against these C++-timed loops in one process:
    # they must do the work they stand for, and refuse queries of the wrong shape.
    assert embedder._embed_seconds_in_cpp(TEXTS) > 0
    v = embedder.embed(TEXTS)
    store = ragppo.VectorStore(embedder.dim)
    store.add([ragppo.Node(t) for t in TEXTS], v)
    assert store._search_seconds_in_cpp(v, 30, 2) > 0
    with pytest.raises(ragppo.Error) as e:
        store._search_seconds_in_cpp(np.zeros((2, 5), dtype=np.float32), 3, 2)
    assert "expected" in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ragppo.Error):
        store._search_seconds_in_cpp(np.zeros((0, embedder.dim), dtype=np.float32), 3, 2)
    empty = ragppo.VectorStore(embedder.dim)
    with pytest.raises(ragppo.Error) as e:  # a loop that found nothing timed nothing
        empty._search_seconds_in_cpp(v, 3, 2)
    assert "found nothing" in str(e.value)

"""The LlamaIndex adapters in llama-index-core's own pipeline: documents -> nodes ->
RagppoEmbedding -> RagppoVectorStore -> retriever -> RagppoLLM answer, and an index
made by `ragppo index` opened as a LlamaIndex vector store."""

import json

import pytest
from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex

import ragppo
from ragppo.llama_index import RagppoEmbedding, RagppoLLM, RagppoVectorStore


@pytest.fixture(scope="module")
def recipes(recipes_json):
    with open(recipes_json) as f:
        return json.load(f)[:8]


@pytest.fixture(scope="module")
def models():
    Settings.embed_model = RagppoEmbedding()
    Settings.llm = RagppoLLM(temperature=0.0, num_output=16)
    yield
    Settings.embed_model = None
    Settings.llm = None


def test_the_reference_pipeline_with_ragppo_parts(models, recipes, tmp_path):
    docs = [Document(text=f"{r['title']}\n{r['ingredients']}\n{r['instructions']}", metadata={"name": r["title"]},
                     doc_id=f"recipe-{i}") for i, r in enumerate(recipes)]
    store = RagppoVectorStore(dim=Settings.embed_model.dim)
    index = VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store))
    assert len(store.client) >= len(docs)
    response = index.as_query_engine(similarity_top_k=3).query(f"How do I make {recipes[2]['title']}?")
    assert str(response).strip()
    assert len(response.source_nodes) == 3
    top = response.source_nodes[0]
    assert top.node.metadata["name"] == recipes[2]["title"]
    assert top.node.ref_doc_id == "recipe-2"
    assert top.score >= response.source_nodes[1].score
    # Persisted as a ragppo index, it opens again with the same answers to retrieval.
    store.persist(str(tmp_path / "idx"))
    again = VectorStoreIndex.from_vector_store(RagppoVectorStore.from_dir(str(tmp_path / "idx")))
    hits = again.as_retriever(similarity_top_k=3).retrieve(f"How do I make {recipes[2]['title']}?")
    assert [h.node.node_id for h in hits] == [s.node.node_id for s in response.source_nodes]


def test_an_index_built_by_ragppo_serves_llama_index(models, small_index, recipes):
    index = VectorStoreIndex.from_vector_store(RagppoVectorStore.from_dir(small_index))
    hits = index.as_retriever(similarity_top_k=3).retrieve(recipes[0]["title"])
    assert hits[0].node.metadata["name"] == recipes[0]["title"]
    # The same retrieval as ragppo's own engine on that index.
    ours = ragppo.QueryEngine(small_index).retrieve(recipes[0]["title"])
    assert [h.node.node_id for h in hits] == [s.node.id for s in ours]
    assert [round(h.score, 5) for h in hits] == [round(s.score, 5) for s in ours]


def test_llm_streams_and_completes(models):
    llm = Settings.llm
    full = llm.complete("How do I boil an egg?")
    streamed = list(llm.stream_complete("How do I boil an egg?"))
    assert streamed[-1].text == full.text
    assert "".join(c.delta for c in streamed) == full.text

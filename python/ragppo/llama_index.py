"""LlamaIndex adapters: ragppo's embedder, vector store and LLM in LlamaIndex's types.

A LlamaIndex user swaps them into the reference notebook's code:

    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from ragppo.llama_index import RagppoEmbedding, RagppoLLM, RagppoVectorStore

    Settings.embed_model = RagppoEmbedding()          # instead of HuggingFaceEmbedding(...)
    Settings.llm = RagppoLLM()                        # instead of HuggingFaceLLM(...)
    store = RagppoVectorStore(dim=Settings.embed_model.dim)
    index = VectorStoreIndex.from_documents(docs, storage_context=StorageContext.from_defaults(vector_store=store))
    print(index.as_query_engine(similarity_top_k=3).query("How do I make pancakes?"))

RagppoVectorStore.from_dir("idx") opens an index made by `ragppo index` (or
store.persist("idx")), for VectorStoreIndex.from_vector_store(...).
Needs llama-index-core (not a dependency of ragppo itself).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from llama_index.core.schema import BaseNode, MetadataMode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore, VectorStoreQuery, VectorStoreQueryResult

from . import _core, stream

__all__ = ["RagppoEmbedding", "RagppoLLM", "RagppoVectorStore"]


class RagppoEmbedding(BaseEmbedding):
    """ragppo's Embedder (GGUF on ragppo's BERT graph) as a LlamaIndex embedding model."""

    _embedder: Any = PrivateAttr()

    def __init__(self, model: str = "", query_instruction: str = "default", n_threads: int = 0,
                 embed_batch_size: int = 64, **kwargs: Any) -> None:
        model_id = model or _core.default_embedder_id()
        super().__init__(model_name=model_id, embed_batch_size=embed_batch_size, **kwargs)
        self._embedder = _core.Embedder(model, query_instruction=query_instruction, n_threads=n_threads)

    @classmethod
    def class_name(cls) -> str:
        return "RagppoEmbedding"

    @property
    def dim(self) -> int:
        return self._embedder.dim

    def _get_query_embedding(self, query: str) -> List[float]:
        return self._embedder.embed_queries([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> List[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> List[float]:
        return self._embedder.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: List[str]) -> List[List[float]]:
        return self._embedder.embed(list(texts)).tolist()


class RagppoLLM(CustomLLM):
    """ragppo's Generator (llama.cpp) as a LlamaIndex LLM; the prompt gets the model's chat format."""

    model: str = ""
    context_window: int = 1024
    num_output: int = 128
    temperature: float = 0.7
    seed: int = 42
    _generator: Any = PrivateAttr()

    def __init__(self, model: str = "", context_window: int = 1024, num_output: int = 128,
                 temperature: float = 0.7, seed: int = 42, n_threads: int = 0, **kwargs: Any) -> None:
        super().__init__(model=model, context_window=context_window, num_output=num_output,
                         temperature=temperature, seed=seed, **kwargs)
        self._generator = _core.Generator(model, n_ctx=context_window, n_threads=n_threads)

    @classmethod
    def class_name(cls) -> str:
        return "RagppoLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(context_window=self.context_window, num_output=self.num_output,
                           model_name=self.model or _core.default_llm_id())

    def _sampling(self) -> dict:
        return {"temperature": self.temperature, "max_new_tokens": self.num_output, "seed": self.seed}

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        g = self._generator.generate(prompt, **self._sampling())
        return CompletionResponse(text=g.text)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        text = ""
        for piece in stream(self._generator.generate, prompt, **self._sampling()):
            text += piece
            yield CompletionResponse(text=text, delta=piece)


class RagppoVectorStore(BasePydanticVectorStore):
    """ragppo's VectorStore (FAISS, exact cosine) as a LlamaIndex vector store that stores text."""

    stores_text: bool = True
    _store: Any = PrivateAttr()

    def __init__(self, dim: int = 0, store: Optional[_core.VectorStore] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if store is None and dim < 1:
            raise ValueError("RagppoVectorStore needs dim (the embedding size) or a loaded store")
        self._store = store if store is not None else _core.VectorStore(dim)

    @classmethod
    def from_dir(cls, path: str) -> "RagppoVectorStore":
        """Open an index directory (`ragppo index`, or persist())."""
        return cls(store=_core.VectorStore.load(path))

    @classmethod
    def class_name(cls) -> str:
        return "RagppoVectorStore"

    @property
    def client(self) -> Any:
        return self._store

    def add(self, nodes: Sequence[BaseNode], **add_kwargs: Any) -> List[str]:
        if not nodes:
            return []
        ours = []
        for n in nodes:
            meta = n.metadata or {}
            ours.append(_core.Node(n.get_content(metadata_mode=MetadataMode.NONE), uid=n.ref_doc_id or "",
                                   name=str(meta.get("name", "")), link=str(meta.get("link", "")), id=n.node_id))
        vectors = np.asarray([n.get_embedding() for n in nodes], dtype=np.float32)
        self._store.add(ours, vectors)
        return [n.node_id for n in nodes]

    def delete(self, ref_doc_id: str, **delete_kwargs: Any) -> None:
        raise NotImplementedError("RagppoVectorStore is append-only: rebuild the index to remove a document")

    def query(self, query: VectorStoreQuery, **kwargs: Any) -> VectorStoreQueryResult:
        if query.query_embedding is None:
            raise ValueError("RagppoVectorStore answers embedding queries only")
        hits = self._store.search(np.asarray(query.query_embedding, dtype=np.float32), query.similarity_top_k)
        nodes = []
        for h in hits:
            node = TextNode(id_=h.node.id, text=h.node.text, metadata={"name": h.node.name, "link": h.node.link})
            if h.node.uid:
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=h.node.uid)
            nodes.append(node)
        return VectorStoreQueryResult(nodes=nodes, similarities=[h.score for h in hits], ids=[h.node.id for h in hits])

    def persist(self, persist_path: str, fs: Any = None) -> None:
        """Save the store as an index directory (atomically replacing what is there)."""
        self._store.save(persist_path)

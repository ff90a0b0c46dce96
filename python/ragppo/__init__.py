"""ragppo: recipe RAG and PPO summarisation, one native library.

    import ragppo
    ragppo.index_build("recipes.csv", "idx")
    engine = ragppo.QueryEngine("idx")
    print(engine.ask("How do I make pancakes?").answer)

    for piece in ragppo.Generator().stream("How do I make pancakes?"):
        print(piece, end="", flush=True)

    ragppo.ppo(dataset="articles.csv", steps=3, out_dir="run",
               on_step=lambda step, stats: print(step, stats["env/reward_mean"]))

Long calls release the GIL. Errors from the library are ragppo.Error (a
RuntimeError) with a one-line message. LlamaIndex adapters: ragppo.llama_index.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterator

from . import _core
from ._core import (  # noqa: F401  (the public names)
    Embedder,
    Error,
    Generation,
    Hit,
    Node,
    Response,
    ResponseMode,
    SourceNode,
    StopReason,
    VectorStore,
    cpu_model_name,
    cpu_variant,
    default_embedder_id,
    default_llm_id,
    index_build,
    libtorch_version,
    llama_cpp_version,
    ppo_settings,
)

__all__ = [
    "Embedder", "Error", "Generation", "Generator", "Hit", "Node", "QueryEngine", "Response", "ResponseMode",
    "SourceNode", "StopReason", "VectorStore", "index_build", "ppo", "ppo_settings", "stream",
    "cpu_model_name", "cpu_variant", "default_embedder_id", "default_llm_id", "libtorch_version", "llama_cpp_version",
]


class _Stop(Exception):
    """Raised inside the token callback when the consumer of a stream went away."""


def stream(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[str]:
    """Yield the text pieces of `call(*args, on_token=..., **kwargs)` as they are decoded.

    `call` is Generator.generate, QueryEngine.ask or QueryEngine.vanilla. The call runs on
    a worker thread (it releases the GIL); closing the iterator early stops decoding at
    the next token. The call's result is the iterator's return value (StopIteration.value).
    """
    pieces: queue.Queue = queue.Queue()
    done = object()
    stopped = threading.Event()
    outcome: dict = {}

    def on_token(piece: str) -> None:
        if stopped.is_set():
            raise _Stop()
        pieces.put(piece)

    def work() -> None:
        try:
            outcome["result"] = call(*args, on_token=on_token, **kwargs)
        except _Stop:
            pass
        except BaseException as e:  # handed to the consumer's thread
            outcome["error"] = e
        finally:
            pieces.put(done)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while (piece := pieces.get()) is not done:
            yield piece
    finally:
        stopped.set()
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


class Generator(_core.Generator):
    __doc__ = _core.Generator.__doc__

    def stream(self, prompt: str, **sampling: Any) -> Iterator[str]:
        """Yield the reply to `prompt` piece by piece (sampling keywords as generate())."""
        return stream(self.generate, prompt, **sampling)


class QueryEngine(_core.QueryEngine):
    __doc__ = _core.QueryEngine.__doc__

    def stream(self, query: str, vanilla: bool = False) -> Iterator[str]:
        """Yield the RAG (or, with vanilla, the LLM-alone) answer to `query` piece by piece."""
        return stream(self.vanilla if vanilla else self.ask, query)


def ppo(on_step: Callable[[int, dict], Any] | None = None, **settings: Any) -> dict:
    """Fine-tune a GPT-2 summariser with PPO, reward ROUGE-1 F1 (TRL's classic PPOTrainer).

    settings: the names `ragppo ppo` documents (TRL's PPOConfig names where TRL has one):
    model, dataset, config, split, out_dir, steps, batch_size, mini_batch_size, ppo_epochs,
    learning_rate, seed, max_new_tokens, query_max_tokens, lora_r, bf16, resume, ... (see
    ppo_settings()). on_step(step, stats) runs after each step with TRL's statistic names
    (env/reward_mean, objective/kl, ...); an exception it raises stops the run there.
    Returns steps_done, eval_before/eval_after (held-out ROUGE-1), step_rewards, out_dir.
    """
    return _core.ppo(settings, on_step)

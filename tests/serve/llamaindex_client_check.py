"""LlamaIndex's OpenAI-compatible classes against a running `ragppo serve`: a
VectorStoreIndex over three short documents embedded by the server (OpenAIEmbedding
with the server's model name), queried with the server's ragppo-vanilla model
(OpenAILike). Usage: llamaindex_client_check.py BASE_URL. Exits non-zero with the
failed check's message; prints "llamaindex client: ok" at the end."""
import re
import sys
import urllib.request

from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai_like import OpenAILike

base_url = sys.argv[1]
api = base_url + "/v1"


def counter(route):
    """ragppo_requests_total for one route with status 200, from /metrics."""
    text = urllib.request.urlopen(base_url + "/metrics", timeout=30).read().decode()
    m = re.search(r'^ragppo_requests_total\{route="%s",status="200"\} (\d+)$' % re.escape(route), text, re.M)
    return int(m.group(1)) if m else 0


# model_name (not model) names a model outside OpenAI's list: the class then sends it as is.
embed = OpenAIEmbedding(model_name="ragppo-embed", api_base=api, api_key="unused", max_retries=0, timeout=120)
llm = OpenAILike(model="ragppo-vanilla", api_base=api, api_key="unused", is_chat_model=True, context_window=1024,
                 max_tokens=8, temperature=0, max_retries=0, timeout=300)
# Settings too: anything LlamaIndex resolves by default would otherwise reach for api.openai.com.
Settings.embed_model, Settings.llm = embed, llm

embeddings_before, chats_before = counter("/v1/embeddings"), counter("/v1/chat/completions")
docs = [
    Document(text="Pancakes: whisk flour, milk, eggs and a pinch of salt, then fry ladlefuls in butter until golden."),
    Document(text="Guacamole: mash ripe avocados with lime juice, chopped onion, coriander and salt."),
    Document(text="Tomato soup: simmer tomatoes, onion and garlic in stock for 20 minutes, then blend until smooth."),
]
index = VectorStoreIndex.from_documents(docs)
engine = index.as_query_engine(similarity_top_k=1)
response = engine.query("How do I make guacamole with avocados?")

assert str(response).strip(), f"empty answer: {response!r}"
assert len(response.source_nodes) == 1, response.source_nodes
top = response.source_nodes[0]
# The server's vectors found the right document: the retrieval was real.
assert top.node.get_content().startswith("Guacamole"), top.node.get_content()
assert 0.3 < top.score <= 1.0001, top.score
# The documents and the query were embedded by the server, the answer came from it.
assert counter("/v1/embeddings") >= embeddings_before + 2, (embeddings_before, counter("/v1/embeddings"))
assert counter("/v1/chat/completions") >= chats_before + 1, (chats_before, counter("/v1/chat/completions"))

print("llamaindex client: ok")
print("answer:", str(response).strip()[:200])

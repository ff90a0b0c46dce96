"""The openai package against a running `ragppo serve`: chat with and without
streaming, embeddings, and a wrong key. Usage: openai_client_check.py BASE_URL KEY.
Exits non-zero with the failed check's message; prints "openai client: ok" at the end."""
import sys

import openai

base_url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=300)
question = [{"role": "user", "content": "How do I make salmon crepes?"}]

chat = client.chat.completions.create(model="ragppo-rag", messages=question, max_tokens=6, temperature=0)
assert chat.choices[0].message.content, chat
assert chat.usage.completion_tokens >= 1, chat.usage
sources = chat.model_extra["ragppo"]["sources"]
assert sources[0]["name"] == "salmon crepes with creamy sage pesto", sources

pieces, finish = [], None
for chunk in client.chat.completions.create(model="ragppo-vanilla", messages=question, max_tokens=6, temperature=0, stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
    if chunk.choices and chunk.choices[0].finish_reason:
        finish = chunk.choices[0].finish_reason
plain = client.chat.completions.create(model="ragppo-vanilla", messages=question, max_tokens=6, temperature=0)
assert "".join(pieces) == plain.choices[0].message.content, (pieces, plain.choices[0].message.content)
assert finish == plain.choices[0].finish_reason, (finish, plain.choices[0].finish_reason)

emb = client.embeddings.create(model="ragppo-embed", input=["boil the pasta", "chop the onions"])
assert len(emb.data) == 2 and len(emb.data[0].embedding) == 384, emb
norm = sum(x * x for x in emb.data[0].embedding) ** 0.5
assert abs(norm - 1) < 1e-3, norm
floats = client.embeddings.create(model="ragppo-embed", input="boil the pasta", encoding_format="float")
assert max(abs(a - b) for a, b in zip(floats.data[0].embedding, emb.data[0].embedding)) < 1e-5

try:
    openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
    sys.exit("a wrong key was accepted")
except openai.AuthenticationError as e:
    assert e.status_code == 401, e

print("openai client: ok")

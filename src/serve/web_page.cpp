#include "web_page.h"

namespace ragppo::serve {

// Both answers are asked at once; with one slot the vanilla one waits in the queue
// until the RAG one is done (the page shows "waiting" meanwhile).
const char * web_page_html() {
    return R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ragppo: recipe RAG</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}
form{display:flex;gap:.5em;margin-bottom:1em}#question{flex:1;padding:.5em;font-size:1em}
button{padding:.5em 1.2em;font-size:1em}#key{width:10em;padding:.5em}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.col{border:1px solid #ccc;border-radius:6px;padding:.8em;min-height:8em}
.col h2{margin:0 0 .4em;font-size:1.1em}.answer{white-space:pre-wrap}
.stats{color:#666;font-size:.85em;margin-top:.6em}
#sources li{margin-bottom:.5em}.score{font-family:monospace;color:#06c}
.snippet{color:#555;font-size:.85em}.error{color:#b00}
</style></head>
<body>
<h1>ragppo: how do I make&hellip;?</h1>
<form id="ask"><input id="question" placeholder="How do I make pork chop noodle soup?" autofocus>
<input id="key" type="password" placeholder="API key (if any)"><button id="go">Ask</button></form>
<div class="cols">
 <div class="col"><h2>RAG (retrieved recipes + LLM)</h2><div id="rag" class="answer"></div><div id="rag-stats" class="stats"></div></div>
 <div class="col"><h2>Vanilla (the LLM alone)</h2><div id="vanilla" class="answer"></div><div id="vanilla-stats" class="stats"></div></div>
</div>
<h2>Retrieved recipes</h2><ol id="sources"></ol>
<script>
const $ = id => document.getElementById(id);
function showSources(list) {
  const ol = $('sources'); ol.innerHTML = '';
  for (const s of list) {
    const li = document.createElement('li');
    const score = document.createElement('span'); score.className = 'score'; score.textContent = s.score.toFixed(3) + ' ';
    const name = document.createElement('b'); name.textContent = s.name;
    const snip = document.createElement('div'); snip.className = 'snippet'; snip.textContent = s.text.slice(0, 240) + (s.text.length > 240 ? '…' : '');
    li.append(score, name, snip); ol.append(li);
  }
}
async function stream(model, question, key) {
  const out = $(model === 'ragppo-rag' ? 'rag' : 'vanilla'), stats = $(out.id + '-stats');
  out.textContent = ''; out.classList.remove('error'); stats.textContent = 'waiting…';
  const t0 = performance.now(); let first = null;
  const headers = {'Content-Type': 'application/json'};
  if (key) headers['Authorization'] = 'Bearer ' + key;
  try {
    const res = await fetch('/v1/chat/completions', {method: 'POST', headers,
      body: JSON.stringify({model, stream: true, messages: [{role: 'user', content: question}]})});
    if (!res.ok) { const e = await res.json(); throw new Error(e.error ? e.error.message : res.statusText); }
    const reader = res.body.getReader(), dec = new TextDecoder(); let buf = '';
    for (;;) {
      const {value, done} = await reader.read(); if (done) break;
      buf += dec.decode(value, {stream: true});
      let at;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const line = buf.slice(0, at); buf = buf.slice(at + 2);
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6); if (data === '[DONE]') continue;
        const c = JSON.parse(data);
        if (c.error) throw new Error(c.error.message);
        if (c.ragppo && c.ragppo.sources) showSources(c.ragppo.sources);
        const piece = c.choices && c.choices[0].delta.content;
        if (piece) { if (first === null) first = performance.now() - t0; out.textContent += piece; stats.textContent = 'streaming…'; }
        if (c.usage && c.ragppo) {
          const r = c.ragppo, tps = r.tokens_per_second ? r.tokens_per_second.toFixed(1) : '–';
          stats.textContent = `${c.usage.completion_tokens} tokens, ${tps} tokens/s, first token after ${first === null ? '–' : (first / 1000).toFixed(2)} s ` +
            `(${r.llm_calls} LLM call(s), ${c.usage.prompt_tokens} prompt tokens, stop: ${c.choices[0].finish_reason})`;
        }
      }
    }
    out.dataset.done = '1';
  } catch (e) { out.classList.add('error'); out.textContent = 'error: ' + e.message; stats.textContent = ''; out.dataset.done = '1'; }
}
$('ask').addEventListener('submit', ev => {
  ev.preventDefault();
  const q = $('question').value.trim() || $('question').placeholder, key = $('key').value;
  $('sources').innerHTML = ''; $('rag').dataset.done = ''; $('vanilla').dataset.done = '';
  stream('ragppo-rag', q, key); stream('ragppo-vanilla', q, key);
});
</script></body></html>
)HTML";
}

}  // namespace ragppo::serve

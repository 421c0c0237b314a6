// Sightline browser UI: streams an answer from /v1/chat/completions, or about a document from
// /api/documents/ask (Server-Sent Events), shows the anonymised images or pages the model saw (the
// cited pages outlined), the moderation notes and the AI disclosure, and sends thumbs-up/down
// feedback. No framework, no build step.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const keyInput = $('api-key');
  // The key lives for this browser session only, unless the user asks to remember it.
  keyInput.value = sessionStorage.getItem('sightline.key') || localStorage.getItem('sightline.key') || '';
  $('remember-key').checked = localStorage.getItem('sightline.key') !== null;
  let requestId = null;
  let running = null; // the AbortController of the answer being streamed

  function keepKey(key) {
    sessionStorage.setItem('sightline.key', key);
    if ($('remember-key').checked) localStorage.setItem('sightline.key', key); else localStorage.removeItem('sightline.key');
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(file);
    });
  }

  // The model's state before the first question: loading (with progress), failed, or the embedded stand-in.
  async function watchModel() {
    const warn = $('model-warning');
    try {
      const res = await fetch('/health/ready');
      const body = await res.json();
      const data = ((body.checks || []).find((c) => c.name === 'model') || {}).data || {};
      if (res.ok) {
        if (data.warning) { warn.textContent = data.warning; warn.hidden = false; } else { warn.hidden = true; }
        return;
      }
      warn.textContent = data.load_error ? 'The model failed to load: ' + data.load_error
        : 'The model is loading' + (data.loading ? ' (' + data.loading + ')' : '') + '; questions wait until it is ready.';
      warn.hidden = false;
      if (!data.load_error) setTimeout(watchModel, 2000);
    } catch (e) {
      setTimeout(watchModel, 5000);
    }
  }
  watchModel();

  function note(text) {
    const li = document.createElement('li');
    li.textContent = text;
    $('notes').appendChild(li);
  }

  function showExtension(ext) {
    if (!ext) return;
    requestId = ext.request_id || requestId;
    if (ext.ai_disclosure) $('disclosure').textContent = ext.ai_disclosure;
    if (ext.warning) { $('model-warning').textContent = ext.warning; $('model-warning').hidden = false; }
    (ext.images || []).forEach((src, i) => {
      const img = document.createElement('img');
      img.src = src;
      img.alt = 'Image ' + (i + 1) + ' as the model saw it (' + ((ext.faces_anonymized || [])[i] || 0) + ' face(s) anonymised)';
      $('seen').appendChild(img);
    });
    (ext.faces_anonymized || []).forEach((n, i) => note('Image ' + (i + 1) + ': ' + n + ' face(s) anonymised.'));
    (ext.image_warnings || []).forEach((w) => note(w));
    const m = ext.moderation || {};
    ['input', 'output'].forEach((d) => {
      const r = m[d];
      if (!r) return;
      const cats = (r.categories || []).map((c) => c.code + ' ' + c.name + ' (severity ' + c.severity + ')').join(', ');
      note('Moderation of the ' + d + ': ' + r.action + (cats ? ' — ' + cats : '') + ((r.pii || []).length ? ' — personal data: ' + r.pii.join(', ') : ''));
    });
  }

  // A page thumbnail as the model saw it; selecting it shows it large (keyboard too).
  function pageFigure(src, number, faces) {
    const fig = document.createElement('figure');
    fig.dataset.page = number;
    const img = document.createElement('img');
    img.src = src;
    img.alt = 'Page ' + number + ' as the model saw it (' + faces + ' face(s) anonymised)';
    img.tabIndex = 0;
    const toggle = () => fig.classList.toggle('large');
    img.addEventListener('click', toggle);
    img.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
    const cap = document.createElement('figcaption');
    cap.textContent = 'Page ' + number;
    fig.append(img, cap);
    return fig;
  }

  // Reads Server-Sent Events from a fetch response, calling onData with each event's data.
  async function readEvents(res, onData) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (!event.startsWith('data: ')) continue;
        const data = event.slice(6);
        if (data !== '[DONE]') onData(JSON.parse(data));
      }
    }
  }

  async function failed(res) {
    const err = await res.json().catch(() => ({}));
    const retry = res.headers.get('Retry-After');
    $('status').textContent = 'Error ' + res.status + ': ' + ((err.error && err.error.message) || err.detail || res.statusText)
      + (retry ? ' (retry in ' + retry + ' s)' : '');
  }

  // A question about a document: its pages are read, anonymised and shown to the model; the answer cites them.
  async function askDocument(key, file) {
    const form = new FormData();
    form.append('document', file);
    form.append('question', $('question').value);
    form.append('max_tokens', String(Number($('max-tokens').value) || 64));
    form.append('stream', 'true');
    form.append('return_images', 'true');
    const res = await fetch('/api/documents/ask', {
      method: 'POST', headers: { 'Authorization': 'Bearer ' + key }, body: form, signal: running.signal
    });
    if (!res.ok) return failed(res);
    $('status').textContent = 'Answering…';
    let finish = null;
    await readEvents(res, (ev) => {
      if (ev.type === 'pages') {
        requestId = ev.request_id;
        (ev.images || []).forEach((src, i) => $('seen').appendChild(pageFigure(src, ev.pages_shown[i], (ev.faces_anonymized || [])[i] || 0)));
        note('Pages shown to the model: ' + ev.pages_shown.join(', ') + ' of ' + ev.total_pages + '.');
      } else if (ev.type === 'delta') {
        $('answer').textContent += ev.content;
      } else if (ev.type === 'done') {
        finish = ev.finish_reason;
        if (ev.answer !== undefined) $('answer').textContent = ev.answer;
        const cited = ev.citations || [];
        note(cited.length ? 'The answer cites page ' + cited.join(', ') + '.' : 'The answer cites no page.');
        document.querySelectorAll('#seen figure').forEach((f) => f.classList.toggle('cited', cited.includes(Number(f.dataset.page))));
        showExtension({ ai_disclosure: ev.ai_disclosure, warning: ev.warning, moderation: ev.moderation });
      } else if (ev.type === 'error') {
        $('status').textContent = 'Error: ' + ev.message;
      }
    });
    if (finish) {
      $('status').textContent = 'Done (' + finish + ').';
      $('feedback').hidden = false;
    }
  }

  // A question about the images (or none): streamed from the OpenAI-compatible endpoint.
  async function askChat(key) {
    const parts = [];
    for (const f of $('images').files) parts.push({ type: 'image_url', image_url: { url: await readFile(f) } });
    parts.push({ type: 'text', text: $('question').value });
    const body = {
      model: 'phi-3.5-vision-instruct',
      stream: true,
      max_tokens: Number($('max-tokens').value) || 64,
      messages: [{ role: 'user', content: parts }],
      sightline: { return_images: true }
    };
    if ($('num-crops').value) body.sightline.num_crops = Number($('num-crops').value);
    const res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + key },
      body: JSON.stringify(body),
      signal: running.signal
    });
    if (!res.ok) return failed(res);
    $('status').textContent = 'Answering…';
    let finish = null;
    await readEvents(res, (chunk) => {
      const choice = (chunk.choices || [])[0];
      if (choice && choice.delta && choice.delta.content) $('answer').textContent += choice.delta.content;
      if (choice && choice.finish_reason) finish = choice.finish_reason;
      if (chunk.sightline) showExtension(chunk.sightline);
    });
    $('status').textContent = 'Done (' + (finish || 'stop') + ').';
    $('feedback').hidden = false;
  }

  async function ask(ev) {
    ev.preventDefault();
    const key = keyInput.value.trim();
    keepKey(key);
    $('answer').textContent = '';
    $('seen').textContent = '';
    $('notes').textContent = '';
    $('feedback').hidden = true;
    $('status').textContent = 'Sending…';
    $('ask').disabled = true;
    running = new AbortController();
    $('stop').disabled = false;
    try {
      const documentFile = $('document').files[0];
      if (documentFile) await askDocument(key, documentFile); else await askChat(key);
    } catch (e) {
      // Stopping closes the connection; the server notices and stops generating.
      $('status').textContent = e.name === 'AbortError' ? 'Stopped.' : 'Error: ' + e.message;
    } finally {
      $('ask').disabled = false;
      $('stop').disabled = true;
      running = null;
    }
  }

  async function feedback(rating) {
    if (!requestId) return;
    const res = await fetch('/api/feedback', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Authorization': 'Bearer ' + keyInput.value.trim() },
      body: JSON.stringify({ request_id: requestId, rating: rating, comment: $('feedback-comment').value || undefined })
    });
    $('status').textContent = res.ok ? 'Thank you for the feedback.' : 'Feedback failed (' + res.status + ').';
  }

  $('ask-form').addEventListener('submit', ask);
  $('stop').addEventListener('click', () => { if (running) running.abort(); });
  $('remember-key').addEventListener('change', () => keepKey(keyInput.value.trim()));
  $('thumbs-up').addEventListener('click', () => feedback('up'));
  $('thumbs-down').addEventListener('click', () => feedback('down'));
})();

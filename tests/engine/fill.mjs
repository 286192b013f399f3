// Fills built XForms with ODK's own web-forms engine (@getodk/xforms-engine) and prints,
// per job, the computed values and the submission XML the engine serializes.
//
// Input: JSON on stdin, a list of jobs:
//   [{ "form": "/abs/path/form.xml",
//      "answers": [["group/field", "value"], ["members[1]/name", "Siti"], ...],   // in order
//      "attachments": {"households.csv": "<base64>"},                           // form media
//      "files": {"/abs/path/photo.jpg": "<base64>"},                             // upload answers
//      "preload": {"deviceID": "...", "username": "..."} }]
// Output: JSON on stdout, one result per job:
//   { "ok": true, "xml": "<data …>", "values": {"group/field": "…"}, "valid": bool,
//     "violations": [{"path", "condition", "message"}], "files": {"name": "<base64>"} }
//   or { "ok": false, "error": "…" } when the form cannot be loaded or an answer cannot be set.
//
// Paths are relative to the form's root element; a repeat instance is `name[n]` (1-based)
// and is created when first named. Non-relevant nodes are left out of `values`, as they are
// left out of the submission. Written against the engine's public client API
// (node_modules/@getodk/xforms-engine/dist/client/*.d.ts, v0.22.0).

import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The engine expects a browser: DOM globals from jsdom, and `__dirname` (its bundled XPath
// evaluator locates its own files with it) set to its dist/ folder, both before the import.
const here = path.dirname(fileURLToPath(import.meta.url));
const dom = new JSDOM('<!doctype html><html><body></body></html>');
for (const name of ['window', 'document', 'DOMParser', 'XMLSerializer', 'Node', 'Element', 'Document',
  'XPathResult', 'NodeFilter', 'DocumentFragment', 'Attr', 'Text']) {
  if (!(name in globalThis)) globalThis[name] = name === 'window' ? dom.window : dom.window[name];
}
globalThis.__dirname = path.join(here, 'node_modules', '@getodk', 'xforms-engine', 'dist');
const { loadForm } = await import('@getodk/xforms-engine');

class AnswerError extends Error {}

function splitPath(p) {
  const parts = p.replace(/^\/+/, '').split('/').filter(Boolean);
  return parts.map((part) => {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m) throw new AnswerError(`bad path segment ${JSON.stringify(part)} in ${JSON.stringify(p)}`);
    return { name: m[1], index: m[2] === undefined ? null : Number(m[2]) };
  });
}

function nodeName(node) {
  return node.definition.qualifiedName.localName;
}

function childNamed(node, name) {
  return (node.currentState.children ?? []).find((c) => nodeName(c) === name) ?? null;
}

function findNode(root, p, { create }) {
  let parts = splitPath(p);
  // An absolute path may start with the root's own name (/data/…).
  if (parts.length > 1 && parts[0].name === nodeName(root) && parts[0].index === null
      && !childNamed(root, parts[0].name)) parts = parts.slice(1);
  let node = root;
  for (const { name, index } of parts) {
    const next = childNamed(node, name);
    if (!next) throw new AnswerError(`no node ${JSON.stringify(name)} under ${node.currentState.reference} (path ${p})`);
    if (next.nodeType.startsWith('repeat-range')) {
      const wanted = index ?? 1;
      let instances = next.currentState.children;
      if (instances.length < wanted) {
        if (!create || typeof next.addInstances !== 'function') {
          throw new AnswerError(`repeat ${next.currentState.reference} has ${instances.length} instance(s); ${p} needs ${wanted}`);
        }
        next.addInstances(instances.length - 1, wanted - instances.length);
        instances = next.currentState.children;
      }
      node = instances[wanted - 1];
    } else {
      if (index !== null && index !== 1) throw new AnswerError(`${name} is not a repeat (path ${p})`);
      node = next;
    }
  }
  return node;
}

function setAnswer(root, p, value, files) {
  const node = findNode(root, p, { create: true });
  const where = node.currentState.reference;
  if (!node.currentState.relevant) throw new AnswerError(`${where} is not relevant with the answers given before it`);
  if (node.currentState.readonly) throw new AnswerError(`${where} is read-only (a calculate or note)`);
  switch (node.nodeType) {
    case 'select': {
      const values = value === '' ? [] : String(value).split(/\s+/);
      const options = node.currentState.valueOptions.map((o) => o.value);
      for (const v of values) {
        if (!options.includes(v)) {
          throw new AnswerError(`${where}: ${JSON.stringify(v)} is not a choice here (choices: ${options.slice(0, 20).join(', ')}${options.length > 20 ? ', …' : ''})`);
        }
      }
      if (node.selectType === 'select1') node.selectValue(values[0] ?? null);
      else node.selectValues(values);
      break;
    }
    case 'input':
      node.setValue(String(value));
      break;
    case 'upload': {
      if (value === '' || value === null) { node.setValue(null); break; }
      const bytes = files[value];
      if (!bytes) throw new AnswerError(`${where}: file ${value} was not passed`);
      node.setValue(new File([bytes], path.basename(value), { type: guessType(value) }));
      break;
    }
    case 'model-value':
      throw new AnswerError(`${where} is computed by the form (a calculate) and cannot be answered`);
    default:
      throw new AnswerError(`${where} is a ${node.nodeType} node and cannot be answered`);
  }
}

function guessType(name) {
  const ext = path.extname(name).toLowerCase();
  return { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.csv': 'text/csv' }[ext]
    ?? 'application/octet-stream';
}

function collectValues(node, prefix, out) {
  const state = node.currentState;
  if (!state.relevant) return;
  const children = state.children;
  if (children === null || children === undefined) {
    out[prefix] = state.instanceValue ?? '';
    return;
  }
  if (node.nodeType.startsWith('repeat-range')) {
    children.forEach((inst, i) => collectValues(inst, `${prefix}[${i + 1}]`, out));
    return;
  }
  for (const child of children) {
    if (child.nodeType.startsWith('repeat-range')) collectValues(child, prefix ? `${prefix}/${nodeName(child)}` : nodeName(child), out);
    else collectValues(child, prefix ? `${prefix}/${nodeName(child)}` : nodeName(child), out);
  }
}

function relativeReference(root, reference) {
  const rootRef = root.currentState.reference;
  return reference.startsWith(`${rootRef}/`) ? reference.slice(rootRef.length + 1) : reference;
}

const loaded = new Map();

async function formFor(job) {
  const key = JSON.stringify([job.form, job.attachments ?? {}]);
  if (loaded.has(key)) return loaded.get(key);
  const attachments = job.attachments ?? {};
  const xml = readFileSync(job.form, 'utf8');
  const result = await loadForm(xml, {
    fetchFormAttachment: async (url) => {
      const name = decodeURIComponent(String(url).split('/').pop());
      if (!(name in attachments)) return new Response('', { status: 404 });
      return new Response(Buffer.from(attachments[name], 'base64'), { status: 200 });
    },
    missingResourceBehavior: 'BLANK',
  });
  if (result.status === 'failure') throw new Error(`the engine could not load ${job.form}: ${result.error?.message ?? result.error}`);
  loaded.set(key, result);
  return result;
}

async function runJob(job) {
  const form = await formFor(job);
  const files = Object.fromEntries(Object.entries(job.files ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  const instance = form.createInstance({ preloadProperties: job.preload ?? {} });
  const root = instance.root;
  for (const [p, value] of job.answers ?? []) setAnswer(root, p, value, files);
  const values = {};
  collectValues(root, '', values);
  delete values[''];
  const payload = await root.prepareInstancePayload({ payloadType: 'monolithic' });
  const data = payload.data[0];
  const xml = await data.get('xml_submission_file').text();
  const outFiles = {};
  for (const [name, file] of data.entries()) {
    if (name !== 'xml_submission_file') outFiles[name] = Buffer.from(await file.arrayBuffer()).toString('base64');
  }
  const violations = root.validationState.violations.map((v) => ({
    path: relativeReference(root, v.reference),
    condition: v.violation.condition,
    message: v.violation.message?.asString ?? '',
  }));
  return { ok: true, xml, values, valid: payload.status === 'ready', violations, files: outFiles };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const job of jobs) {
  try {
    results.push(await runJob(job));
  } catch (err) {
    results.push({ ok: false, error: err instanceof AnswerError ? err.message : String(err?.stack ?? err) });
  }
}
process.stdout.write(JSON.stringify(results));

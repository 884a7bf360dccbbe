// window.codecAlone({ codec, offset }): runs codec-worker.js over the picked file's bytes from
// `offset` (the compressed stream of a libvirt image) and resolves with { ms, produced }.
(() => {
  let worker = null;
  window.codecAlone = (opts) =>
    new Promise((resolve, reject) => {
      const file = document.getElementById('file').files[0];
      if (!file) return reject(new Error('no file picked'));
      worker ??= new Worker('codec-worker.js', { name: 'codec-alone' });
      worker.onmessage = (e) => (e.data.error ? reject(new Error(e.data.error)) : resolve(e.data));
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage({ file, ...opts });
    });
})();

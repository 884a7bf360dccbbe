import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createExplorerStore } from './store/store.ts';
import { StoreProvider } from './store/StoreProvider.tsx';
import { App } from './views/app/App.tsx';
import { saveBlob } from './views/app/save-blob.ts';
import { startScanWorker } from './worker/client.ts';
import './views/app/styles.css';

const store = createExplorerStore({
  worker: startScanWorker(),
  confirm: (message) => window.confirm(message),
  fetchBlob: async (url) => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    return res.blob();
  },
  saveBlob,
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

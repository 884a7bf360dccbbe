// `npm run bench`, browser part "compressed": worker memory while compressed libvirt images open.
import { statSync } from 'node:fs';
import { compressedImage } from './bench-compressed.ts';
import { Bench, fmtMiB, fmtMs, fmtRate, MiB, openInApp, sampleMemory, WorkerProbe, type Target } from './bench-harness.ts';

/**
 * Compressed libvirt images (issue #11): each opened in a fresh app page while the scan worker's
 * memory is sampled; the open decompresses the whole stream into the OPFS spill, then scans it.
 * The decoding/decompressor-alone ratios are measured by scripts/bench-compressed.ts (same code).
 */
export async function compressedOpens(bench: Bench, targets: Target[]): Promise<void> {
  for (const codec of ['gzip', 'xz', 'zstd'] as const) {
    const path = await compressedImage(codec);
    bench.doing = `opening the ${codec} image`;
    let worker!: WorkerProbe;
    const page = await bench.appPage(async (p) => void (worker = await WorkerProbe.before(p, 'vmstate-scan')));
    try {
      await worker.ready();
      const { value: open, peak: mem } = await sampleMemory(bench, worker, () => openInApp(page, path, 600_000));
      const stream = Number(/in the decompressed stream \((\d+) bytes\)/.exec((await page.getByRole('region', { name: 'libvirt save image' }).textContent()) ?? '')?.[1] ?? 0);
      console.log(`\n${codec} image ${path.split('/').pop()} (${fmtMiB(statSync(path).size)}, stream ${fmtMiB(stream)}): open (decompress into the OPFS spill, then scan) ${fmtMs(open.scanMs)}, ${fmtRate(stream, open.scanMs)} of stream`);
      console.log(`  worker peak growth: JS heap total ${fmtMiB(mem.heapTotal)}, heap used + ArrayBuffers ${fmtMiB(mem.heapPlusBuffers)} (${mem.samples} samples); renderer RSS ${fmtMiB(mem.rendererRss)}`);
      targets.push({ what: `peak worker heap + ArrayBuffers growth, ${codec} image open`, value: fmtMiB(mem.heapPlusBuffers), target: '< 100 MiB', met: mem.heapPlusBuffers < 100 * MiB });
    } finally {
      await bench.close(page);
    }
  }
}

import { useExplorer } from '../../store/useExplorer.ts';

/** Errors and notes about the last file action, until dismissed. */
export function NoticeBar() {
  const notice = useExplorer((s) => s.notice);
  const dismiss = useExplorer((s) => s.dismissNotice);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.tone}`} role={notice.tone === 'info' ? 'note' : 'alert'}>
      <span>{notice.text}</span>
      <button type="button" onClick={dismiss} aria-label="Dismiss">×</button>
    </div>
  );
}

/** Loading an endpoint, paging by cursor, what the user may do, and actions with their confirmation. */
import { Alert, App as AntApp, Button, Popconfirm } from 'antd';
import type { ButtonProps } from 'antd/es/button';
import { type ReactNode, useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Me } from '../../api.ts';
import { errorText } from '../../error-text.ts';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (null: nothing to ask) and again whenever it changes, `version` changes (a page bumps it after an
 * action) or `reload` is called.
 */
export function useApi<T>(path: string | null, version = 0): Loaded<T> {
  const { i18n } = useTranslation();
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick and version ask for the same path again
  useEffect(() => {
    if (!path) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: err ?? new Error('failed'), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick, version]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  // The failure in the reader's language, worded again when the language changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: worded again when the language changes
  const error = useMemo(
    () => (state.error === null ? null : errorText(state.error)),
    [state.error, i18n.language],
  );
  return { data: state.data, loading: state.loading, error, reload };
}

export function ErrorAlert({ error }: { error: string | null }) {
  if (!error) return null;
  return <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} />;
}

/** Keyset paging state: cursors[i] is the `after` of page i. */
export function useKeyset() {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  return {
    page,
    after: cursors[page],
    reset: () => {
      setCursors([undefined]);
      setPage(0);
    },
    next: (after: number) => {
      setCursors((c) => [...c.slice(0, page + 1), after]);
      setPage(page + 1);
    },
    prev: () => setPage((p) => Math.max(0, p - 1)),
  };
}

/** A page of a list paged by the server with a cursor: the rows, the next page's cursor, the size (first page). */
export interface CursorPage<T> {
  items: T[];
  next_after: number | null;
  /** On the first page: how many rows the list has (null on later pages). */
  total?: number | null;
}

/** The list's size, from its first page (later pages do not count again). */
export function useFirstPageTotal(data: { total?: number | null } | null): number | undefined {
  const [total, setTotal] = useState<number | undefined>();
  useEffect(() => {
    if (typeof data?.total === 'number') setTotal(data.total);
  }, [data]);
  return total;
}

/** DataTable's `serverPaging` for a list that answers the cursor of its next page (`next_after`). */
export function cursorPaging(keys: ReturnType<typeof useKeyset>, nextAfter: number | null | undefined) {
  return {
    page: keys.page,
    hasNext: typeof nextAfter === 'number',
    onPrev: keys.prev,
    onNext: () => {
      if (typeof nextAfter === 'number') keys.next(nextAfter);
    },
  };
}

/** What the user may do: `may('zone.manage')`. */
export function usePermissions(me: Me | null | undefined): (permission: string) => boolean {
  return useCallback((permission: string) => me?.permissions.includes(permission) ?? false, [me]);
}

/** A counter a page bumps after each action: every view given it asks for its data again. */
export function useVersion(): [number, () => void] {
  return useReducer((n: number) => n + 1, 0);
}

/**
 * Runs an action: on success a message (from the answer) and `after` (refresh); on failure a notification with
 * the API's code and message, which stays until closed. Resolves with the answer, or undefined on failure.
 */
export function useAction() {
  const { message, notification } = AntApp.useApp();
  const { t } = useTranslation();
  return useCallback(
    async <R,>(
      call: () => Promise<R>,
      success: (answer: R) => string,
      after?: () => void,
    ): Promise<R | undefined> => {
      try {
        const answer = await call();
        message.success(success(answer));
        after?.();
        return answer;
      } catch (err) {
        notification.error({
          message: t('action.failed'),
          description: (
            <span className="action-error" style={{ whiteSpace: 'pre-line' }}>
              {errorText(err)}
            </span>
          ),
          duration: 0,
        });
        after?.();
        return undefined;
      }
    },
    [message, notification, t],
  );
}

/** A button that asks first; the confirmation's OK waits for the action. */
export function ConfirmButton({
  title,
  description,
  onConfirm,
  children,
  danger,
  type,
  size = 'small',
  disabled,
}: {
  title: ReactNode;
  description?: ReactNode;
  onConfirm: () => Promise<unknown>;
  children: ReactNode;
  danger?: boolean;
  type?: ButtonProps['type'];
  size?: ButtonProps['size'];
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Popconfirm
      // A different question at the same place (a row whose next step changed) is a new confirmation: antd would
      // otherwise keep the previous one's open state and its OK button's leaving spinner, and the OK never settles.
      key={typeof title === 'string' ? title : undefined}
      title={title}
      description={description}
      okText={t('action.confirm')}
      cancelText={t('action.cancel')}
      okButtonProps={{ danger }}
      onConfirm={async () => {
        await onConfirm();
      }}
      disabled={disabled}
    >
      <Button size={size} danger={danger} type={type} disabled={disabled}>
        {children}
      </Button>
    </Popconfirm>
  );
}

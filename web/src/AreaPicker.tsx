/**
 * One area (or, with `multiple`, several in the order picked: a pass's route) inside the reader's jurisdiction,
 * picked by name from a tree (never typed as a code): the jurisdiction at the root, its children loaded as the tree
 * opens (GET /api/areas?parent=CODE), searchable by name across the whole jurisdiction. A form control (value /
 * onChange). The root is the given jurisdiction, else the logged-in user's.
 */
import { TreeSelect } from 'antd';
import { type CSSProperties, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Area, api, type Me } from './api.ts';
import type { AreaDetail, AreaNameItem } from './contract.ts';
import { errorText } from './error-text.ts';

interface TreeNode {
  id: string;
  pId: string | null;
  value: string;
  title: string;
  isLeaf: boolean;
}

const treeNode = (a: Area | AreaDetail, parent: string | null): TreeNode => ({
  id: a.code,
  pId: parent,
  value: a.code,
  title: a.name,
  isLeaf: a.level >= 6,
});

let meAsked: Promise<Me> | null = null;

export function AreaPicker<V extends string | string[] = string>({
  root,
  id,
  value,
  onChange,
  multiple,
  allowClear,
  size,
  style,
  placeholder,
}: {
  root?: string;
  id?: string;
  value?: V;
  onChange?: (v: V | undefined) => void;
  multiple?: boolean;
  allowClear?: boolean;
  size?: 'small' | 'middle' | 'large';
  style?: CSSProperties;
  placeholder?: string;
}) {
  const { t } = useTranslation();
  const [tree, setTree] = useState<TreeNode[]>([]);
  const [top, setTop] = useState<string | null>(root ?? null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (root !== undefined) {
      setTop(root);
      return;
    }
    meAsked ??= api<Me>('/api/auth/me');
    meAsked.then(
      (me) => setTop(me.jurisdiction),
      (err) => setError(errorText(err)),
    );
  }, [root]);

  useEffect(() => {
    if (top === null) return;
    const first = top
      ? Promise.all([
          api<AreaDetail>(`/api/areas/${top}`),
          api<{ items: Area[] }>(`/api/areas?parent=${top}`),
        ]).then(([self, kids]) => [treeNode(self, null), ...kids.items.map((k) => treeNode(k, top))])
      : api<{ items: Area[] }>('/api/areas').then((r) => r.items.map((a) => treeNode(a, null)));
    first.then(setTree, (err) => setError(errorText(err)));
  }, [top]);

  // A value given from outside (a suggestion, a saved filter) deeper than the tree has opened: its name is
  // fetched and shown, never the bare code.
  useEffect(() => {
    const wanted = (Array.isArray(value) ? value : value ? [value] : []).filter(
      (v) => !tree.some((x) => x.id === v),
    );
    if (wanted.length === 0 || tree.length === 0) return;
    for (const code of wanted)
      api<AreaDetail>(`/api/areas/${code}`).then(
        (a) =>
          setTree((old) =>
            old.some((x) => x.id === a.code) ? old : [...old, { ...treeNode(a, null), isLeaf: true }],
          ),
        () => undefined,
      );
  }, [value, tree]);

  // Typing searches the whole jurisdiction by name (the tree only knows what has been opened): matches join the
  // tree at the top, named by their path (「江南社区 第1网格」), so a grid is found without opening four levels.
  const [search, setSearch] = useState('');
  useEffect(() => {
    const q = search.trim();
    if (!q || top === null) return;
    const timer = setTimeout(() => {
      api<{ items: AreaNameItem[] }>(
        `/api/areas/search?q=${encodeURIComponent(q)}${top ? `&under=${top}` : ''}`,
      ).then(
        (r) =>
          setTree((old) => [
            ...old,
            ...r.items
              .filter((a) => !old.some((o) => o.id === a.code))
              .map((a) => ({ id: a.code, pId: null, value: a.code, title: a.full || a.name, isLeaf: true })),
          ]),
        () => undefined,
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [search, top]);

  const loadChildren = async (n: { value?: unknown }) => {
    const code = String(n.value);
    if (tree.some((x) => x.pId === code)) return;
    try {
      const kids = await api<{ items: Area[] }>(`/api/areas?parent=${code}`);
      setTree((old) => [
        ...old,
        ...kids.items.filter((k) => !old.some((o) => o.id === k.code)).map((k) => treeNode(k, code)),
      ]);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <TreeSelect
      id={id}
      treeDataSimpleMode
      treeData={tree}
      loadData={loadChildren}
      value={value}
      multiple={multiple}
      onChange={(v: V | undefined) => onChange?.(v)}
      treeDefaultExpandedKeys={top ? [top] : []}
      showSearch
      onSearch={setSearch}
      allowClear={allowClear}
      size={size}
      status={error ? 'error' : undefined}
      treeNodeFilterProp="title"
      placeholder={error ?? placeholder ?? t('admin.area.pick')}
      style={style ?? { width: '100%' }}
      popupMatchSelectWidth={false}
    />
  );
}

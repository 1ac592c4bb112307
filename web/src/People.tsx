/**
 * People in my jurisdiction: masked as the API gives them, keyset-paginated, filtered by an area picked by name,
 * a name (or a whole ID number) and the risk status; areas by name; the whole filtered list exported by the server
 * (masked the same way, audited).
 */
import { Button, Card, Form, Input, Select, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CODE_WORDS } from '../../src/domain/code-words.ts';
import { AreaPicker } from './AreaPicker.tsx';
import { api, query } from './api.ts';
import type { Person, PersonsAnswer } from './contract.ts';
import { errorText } from './error-text.ts';
import { areaColumn, type Column, DataTable } from './pages/shared.tsx';

const PAGE_SIZE = 50;
const HEALTH_COLOURS: Record<string, string> = { green: 'green', yellow: 'gold', red: 'red' };
const RISK_STATUSES = Object.keys(CODE_WORDS.zh.riskStatus);

interface Filter {
  area?: string;
  q?: string;
  risk_status?: string;
}

export function People() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  // cursors[i] is the `after` of page i; page 0 starts at the beginning.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<Person[]>([]);
  const [nextAfter, setNextAfter] = useState<number | null>(null);
  // How many people the filters give, from the first page (exact up to a cap; `more` past it).
  const [total, setTotal] = useState<{ count: number; more: boolean } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const after = cursors[page];

  useEffect(() => {
    let live = true;
    setLoading(true);
    api<PersonsAnswer>(`/api/persons${query({ limit: PAGE_SIZE, ...filter, after })}`).then(
      (res) => {
        if (!live) return;
        setRows(res.items);
        setNextAfter(res.next_after);
        if (res.total !== null) setTotal({ count: res.total, more: res.total_more === true });
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setRows([]);
        setNextAfter(null);
        setTotal(null);
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [filter, after]);

  const search = (values: Filter) => {
    setFilter({
      area: values.area || undefined,
      q: values.q?.trim() || undefined,
      risk_status: values.risk_status || undefined,
    });
    setCursors([undefined]);
    setPage(0);
  };

  const next = () => {
    if (nextAfter === null) return;
    setCursors((c) => [...c.slice(0, page + 1), nextAfter]);
    setPage(page + 1);
  };

  const groups = (r: Person) => r.special_groups.map((x) => t(`group.${x}`, { defaultValue: x }));
  const columns: Column<Person>[] = [
    { key: 'name', title: t('people.name'), dataIndex: 'name', width: 90 },
    {
      key: 'sex',
      title: t('people.sex'),
      dataIndex: 'sex',
      width: 70,
      render: (v: 'M' | 'F') => t(`sex.${v}`),
      exportValue: (r) => t(`sex.${r.sex}`),
    },
    { key: 'age', title: t('people.age'), dataIndex: 'age', width: 60 },
    {
      key: 'id_number',
      title: t('people.idNumber'),
      dataIndex: 'id_number',
      width: 190,
      render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
    },
    {
      key: 'phone',
      title: t('people.phone'),
      dataIndex: 'phone',
      width: 120,
      render: (v: string | null) => v ?? '—',
    },
    { key: 'address', title: t('people.address'), dataIndex: 'address', ellipsis: true },
    areaColumn({ title: t('people.area'), get: (r) => r.area_code }),
    {
      key: 'groups',
      title: t('people.groups'),
      dataIndex: 'special_groups',
      render: (_: string[], r) =>
        groups(r).map((x) => (
          <Tag key={x} style={{ marginInlineEnd: 4 }}>
            {x}
          </Tag>
        )),
      exportValue: (r) => groups(r).join('、'),
    },
    {
      key: 'health_code',
      title: t('people.healthCode'),
      dataIndex: 'health_code',
      width: 90,
      render: (v: string) => <Tag color={HEALTH_COLOURS[v]}>{t(`health.${v}`, { defaultValue: v })}</Tag>,
      exportValue: (r) => t(`health.${r.health_code}`, { defaultValue: r.health_code }),
    },
    {
      key: 'risk_status',
      title: t('people.risk'),
      dataIndex: 'risk_status',
      width: 110,
      render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
      exportValue: (r) => t(`risk.${r.risk_status}`, { defaultValue: r.risk_status }),
    },
  ];

  return (
    <Card
      title={t('people.title')}
      extra={
        <Typography.Text type="secondary">
          {total
            ? `${t(total.more ? 'people.totalMore' : 'people.total', { count: total.count, n: total.count.toLocaleString('zh-CN') })} · `
            : ''}
          {t('people.masked')}
        </Typography.Text>
      }
    >
      <Form layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item label={t('people.area')} name="area">
          <AreaPicker allowClear style={{ width: 260 }} placeholder={t('people.areaPlaceholder')} />
        </Form.Item>
        <Form.Item label={t('people.name')} name="q">
          <Input placeholder={t('people.namePlaceholder')} allowClear style={{ width: 200 }} />
        </Form.Item>
        <Form.Item label={t('people.risk')} name="risk_status">
          <Select
            allowClear
            style={{ width: 140 }}
            placeholder={t('common.all')}
            options={RISK_STATUSES.map((v) => ({ value: v, label: t(`risk.${v}`) }))}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('people.search')}
        </Button>
      </Form>
      <DataTable<Person>
        rows={rows}
        columns={columns}
        rowKey="id"
        loading={loading}
        error={error}
        exportName={t('people.title')}
        serverExport={`/api/persons/export${query({ ...filter })}`}
        serverPaging={{
          page,
          hasNext: nextAfter !== null,
          onPrev: () => setPage(page - 1),
          onNext: next,
        }}
      />
    </Card>
  );
}

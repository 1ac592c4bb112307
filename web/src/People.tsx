/** People in my jurisdiction: masked as the API gives them, keyset-paginated, filtered by area and name. */
import { Alert, Button, Card, Form, Input, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Person, query } from './api.ts';
import { errorText } from './error-text.ts';

const PAGE_SIZE = 50;
const HEALTH_COLOURS: Record<string, string> = { green: 'green', yellow: 'gold', red: 'red' };

interface Filter {
  area?: string;
  q?: string;
}

export function People() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>({});
  // cursors[i] is the `after` of page i; page 0 starts at the beginning.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [rows, setRows] = useState<Person[]>([]);
  const [nextAfter, setNextAfter] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const after = cursors[page];

  useEffect(() => {
    let live = true;
    setLoading(true);
    api<{ items: Person[]; next_after: number | null }>(
      `/api/persons${query({ limit: PAGE_SIZE, area: filter.area, q: filter.q, after })}`,
    ).then(
      (res) => {
        if (!live) return;
        setRows(res.items);
        setNextAfter(res.next_after);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setRows([]);
        setNextAfter(null);
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [filter, after]);

  const search = (values: Filter) => {
    setFilter({ area: values.area?.trim() || undefined, q: values.q?.trim() || undefined });
    setCursors([undefined]);
    setPage(0);
  };

  const next = () => {
    if (nextAfter === null) return;
    setCursors((c) => [...c.slice(0, page + 1), nextAfter]);
    setPage(page + 1);
  };

  return (
    <Card
      title={t('people.title')}
      extra={<Typography.Text type="secondary">{t('people.masked')}</Typography.Text>}
    >
      <Form layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item label={t('people.area')} name="area">
          <Input placeholder={t('people.areaPlaceholder')} allowClear style={{ width: 180 }} />
        </Form.Item>
        <Form.Item label={t('people.name')} name="q">
          <Input placeholder={t('people.namePlaceholder')} allowClear style={{ width: 180 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t('people.search')}
        </Button>
      </Form>
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Table<Person>
        size="small"
        rowKey="id"
        loading={loading}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1200 }}
        columns={[
          { title: t('people.name'), dataIndex: 'name', width: 90 },
          { title: t('people.sex'), dataIndex: 'sex', width: 80, render: (v: 'M' | 'F') => t(`sex.${v}`) },
          { title: t('people.age'), dataIndex: 'age', width: 60 },
          {
            title: t('people.idNumber'),
            dataIndex: 'id_number',
            width: 190,
            render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
          },
          {
            title: t('people.phone'),
            dataIndex: 'phone',
            width: 120,
            render: (v: string | null) => v ?? '—',
          },
          { title: t('people.address'), dataIndex: 'address', ellipsis: true },
          {
            title: t('people.area'),
            dataIndex: 'area_code',
            width: 150,
          },
          {
            title: t('people.groups'),
            dataIndex: 'special_groups',
            width: 200,
            render: (g: string[]) => g.map((x) => <Tag key={x}>{t(`group.${x}`, { defaultValue: x })}</Tag>),
          },
          {
            title: t('people.healthCode'),
            dataIndex: 'health_code',
            width: 110,
            render: (v: string) => (
              <Tag color={HEALTH_COLOURS[v]}>{t(`health.${v}`, { defaultValue: v })}</Tag>
            ),
          },
          {
            title: t('people.risk'),
            dataIndex: 'risk_status',
            width: 110,
            render: (v: string) => t(`risk.${v}`, { defaultValue: v }),
          },
        ]}
      />
      <Space style={{ marginTop: 16 }}>
        <Button disabled={page === 0 || loading} onClick={() => setPage(page - 1)}>
          {t('people.prev')}
        </Button>
        <Typography.Text>{t('people.page', { page: page + 1 })}</Typography.Text>
        <Button disabled={nextAfter === null || loading} onClick={next}>
          {t('people.next')}
        </Button>
      </Space>
    </Card>
  );
}

/**
 * What the work pages' forms share: a field that must be filled in (its message naming it), a button busy while
 * its work runs, a dialog around a form whose OK checks the fields and then runs the action, and the search for a
 * person by name or ID number.
 */
import {
  Form,
  type FormInstance,
  type FormItemProps,
  type FormProps,
  Modal,
  type ModalProps,
  Select,
  type SelectProps,
} from 'antd';
import { type ReactNode, useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type Person, query } from '../api.ts';
import type { PersonsAnswer } from '../contract.ts';

/** A field that must be filled in: `RequiredItem`'s props but the message, which a page's binding gives. */
export type RequiredProps = FormItemProps & { label: string; what?: string; whitespace?: boolean };

/**
 * A form field that must be filled in: `message` is the page's 「请填写{{what}}」, `what` the label unless given;
 * `whitespace`: blanks alone do not count; `required={false}`: not this time (a field required in some cases). A
 * page binds its message once (`const Required = (p: RequiredProps) => <RequiredItem message="…" {...p} />`).
 */
export function RequiredItem({
  message,
  whitespace,
  what,
  required = true,
  ...props
}: RequiredProps & { message: string }) {
  const { t } = useTranslation();
  const rule = { required: true, message: t(message, { what: what ?? props.label }) };
  const rules = required ? [whitespace ? { ...rule, whitespace } : rule] : [];
  return <Form.Item rules={rules} {...props} />;
}

/** Busy while a piece of work runs (a button's spinner): `[busy, run]`, run resolving as the work does. */
export function useBusy(): [boolean, <R>(work: () => Promise<R>) => Promise<R>] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async <R,>(work: () => Promise<R>): Promise<R> => {
    setBusy(true);
    try {
      return await work();
    } finally {
      setBusy(false);
    }
  }, []);
  return [busy, run];
}

/**
 * A dialog around a form: OK checks the fields, then runs `onSubmit` with their values while the OK button spins;
 * `intro` stands above the form. It is open while it is rendered.
 */
export function FormModal<V extends object>({
  form,
  onSubmit,
  formProps,
  intro,
  children,
  ...modal
}: Omit<ModalProps, 'open' | 'onOk' | 'confirmLoading'> & {
  form: FormInstance<V>;
  onSubmit: (values: V) => Promise<unknown>;
  formProps?: Omit<FormProps<V>, 'form' | 'onFinish'>;
  intro?: ReactNode;
}) {
  const { t } = useTranslation();
  const [busy, run] = useBusy();
  return (
    <Modal open cancelText={t('action.cancel')} {...modal} onOk={() => form.submit()} confirmLoading={busy}>
      {intro}
      <Form<V> form={form} layout="vertical" {...formProps} onFinish={(v) => run(() => onSubmit(v))}>
        {children}
      </Form>
    </Modal>
  );
}

/**
 * A person picked by searching (name or ID number, within `area` when given), shown as 「姓名（证件号）」; in a
 * Form.Item its value is the person's id.
 */
export function PersonSearch({ area, ...props }: SelectProps<number> & { area?: string }) {
  const [options, setOptions] = useState<Person[]>([]);
  const [searching, setSearching] = useState(false);
  const search = (q: string) => {
    if (q.trim().length < 1) return;
    setSearching(true);
    api<PersonsAnswer>(`/api/persons${query({ q: q.trim(), area, limit: 20 })}`)
      .then(
        (r) => setOptions(r.items),
        () => setOptions([]),
      )
      .finally(() => setSearching(false));
  };
  return (
    <Select<number>
      showSearch
      filterOption={false}
      onSearch={search}
      loading={searching}
      notFoundContent={null}
      options={options.map((p) => ({ value: p.id, label: `${p.name}（${p.id_number}）` }))}
      {...props}
    />
  );
}

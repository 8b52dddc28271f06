/**
 * @module A form generated from a JSON Schema object: string, number, integer, boolean, enum,
 * secrets (writeOnly: a password input, never prefilled), nested objects, and free JSON for the
 * rest. Field errors are keyed by dotted path and tied to their inputs for screen readers.
 */
import { useId, useState, type ReactNode } from 'react';
import { MASKED, type FieldOption, type JsonSchema, type NodeConfigOptions } from '../api/types.ts';

export type FieldErrors = Readonly<Record<string, string>>;

/** Fields whose text is usually longer than a line, whatever their schema says. */
const MULTILINE_FIELDS = new Set(['template', 'expression', 'body', 'markdown', 'script', 'query']);

export interface SchemaFormProps {
  readonly schema: JsonSchema;
  readonly value: Record<string, unknown>;
  readonly onChange: (value: Record<string, unknown>) => void;
  readonly errors?: FieldErrors;
  /** A plugin node's dynamic config: options, descriptions, hidden and disabled fields. */
  readonly overrides?: NodeConfigOptions['fields'];
}

export function SchemaForm(props: SchemaFormProps) {
  const properties = propertiesOf(props.schema);
  if (properties.length === 0) {
    return <p className="muted">Nothing to configure.</p>;
  }
  return (
    <ObjectFields
      schema={props.schema}
      value={props.value}
      onChange={props.onChange}
      path={[]}
      errors={props.errors ?? {}}
      overrides={props.overrides ?? {}}
    />
  );
}

interface ObjectFieldsProps {
  readonly schema: JsonSchema;
  readonly value: Record<string, unknown>;
  readonly onChange: (value: Record<string, unknown>) => void;
  readonly path: readonly string[];
  readonly errors: FieldErrors;
  readonly overrides: NodeConfigOptions['fields'];
}

function ObjectFields({ schema, value, onChange, path, errors, overrides }: ObjectFieldsProps) {
  const required = new Set(
    Array.isArray(schema['required']) ? (schema['required'] as string[]) : [],
  );
  return (
    <>
      {propertiesOf(schema).map(([name, field]) => {
        const override = path.length === 0 ? overrides[name] : undefined;
        if (override?.hidden === true) {
          return null;
        }
        const set = (next: unknown) => {
          const others = Object.entries(value).filter(([k]) => k !== name);
          onChange(Object.fromEntries(next === undefined ? others : [...others, [name, next]]));
        };
        return (
          <Field
            key={name}
            name={name}
            schema={resolve(field)}
            value={value[name]}
            onChange={set}
            path={[...path, name]}
            required={required.has(name)}
            errors={errors}
            {...(override === undefined ? {} : { override })}
          />
        );
      })}
    </>
  );
}

interface FieldProps {
  readonly name: string;
  readonly schema: JsonSchema;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly path: readonly string[];
  readonly required: boolean;
  readonly errors: FieldErrors;
  readonly override?: NodeConfigOptions['fields'][string];
}

function Field(props: FieldProps) {
  const { schema, value, onChange, override } = props;
  const id = useId();
  const key = props.path.join('.');
  const error = props.errors[key];
  const label = typeof schema['title'] === 'string' ? schema['title'] : props.name;
  const description =
    override?.description ??
    (typeof schema['description'] === 'string' ? schema['description'] : undefined);
  const type = typeOf(schema);
  const disabled = override?.disabled === true;
  const describedBy =
    [description === undefined ? '' : `${id}-help`, error === undefined ? '' : `${id}-error`]
      .filter((s) => s !== '')
      .join(' ') || undefined;
  const common = {
    id,
    name: key,
    disabled,
    'aria-invalid': error === undefined ? undefined : true,
    'aria-describedby': describedBy,
    'aria-required': props.required ? true : undefined,
  } as const;

  if (type === 'object' && propertiesOf(schema).length > 0) {
    return (
      <fieldset className="field-group">
        <legend>{label}</legend>
        {description === undefined ? null : <p className="help">{description}</p>}
        <ObjectFields
          schema={schema}
          value={isRecord(value) ? value : {}}
          onChange={(next) => {
            onChange(Object.keys(next).length === 0 ? undefined : next);
          }}
          path={props.path}
          errors={props.errors}
          overrides={{}}
        />
      </fieldset>
    );
  }

  let control: ReactNode;
  const options = override?.options ?? enumOptions(schema);
  if (options !== undefined) {
    const current = value ?? schema['default'];
    control = (
      <select
        {...common}
        value={current === undefined ? '' : JSON.stringify(current)}
        onChange={(e) => {
          onChange(e.target.value === '' ? undefined : JSON.parse(e.target.value));
        }}
      >
        {props.required && current !== undefined ? null : <option value="">— choose —</option>}
        {options.map((option) => (
          <option key={JSON.stringify(option.value)} value={JSON.stringify(option.value)}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (type === 'boolean') {
    const checked = typeof value === 'boolean' ? value : schema['default'] === true;
    return (
      <div className={`field field-check${error === undefined ? '' : ' field-invalid'}`}>
        <input
          {...common}
          type="checkbox"
          checked={checked}
          onChange={(e) => {
            onChange(e.target.checked);
          }}
        />
        <label htmlFor={id}>{label}</label>
        <FieldNotes id={id} description={description} error={error} />
      </div>
    );
  } else if (type === 'number' || type === 'integer') {
    control = (
      <input
        {...common}
        type="number"
        step={type === 'integer' ? 1 : 'any'}
        value={typeof value === 'number' ? String(value) : ''}
        placeholder={placeholderOf(schema)}
        onChange={(e) => {
          onChange(e.target.value === '' ? undefined : Number(e.target.value));
        }}
      />
    );
  } else if (type === 'string' && schema['writeOnly'] === true) {
    control = <SecretInput common={common} value={value} onChange={onChange} />;
  } else if (type === 'string') {
    const multiline =
      (typeof schema['maxLength'] === 'number' && schema['maxLength'] > 1000) ||
      MULTILINE_FIELDS.has(props.name);
    const stored = value === MASKED;
    const text = typeof value === 'string' && !stored ? value : '';
    const placeholder = stored ? 'stored (hidden); type to replace' : placeholderOf(schema);
    const change = (next: string) => {
      onChange(next === '' ? (stored ? MASKED : undefined) : next);
    };
    control = multiline ? (
      <textarea
        {...common}
        rows={props.name === 'template' || props.name === 'expression' ? 4 : 2}
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          change(e.target.value);
        }}
      />
    ) : (
      <input
        {...common}
        type="text"
        value={text}
        placeholder={placeholder}
        onChange={(e) => {
          change(e.target.value);
        }}
      />
    );
  } else {
    control = <JsonInput common={common} value={value} onChange={onChange} />;
  }

  return (
    <div className={`field${error === undefined ? '' : ' field-invalid'}`}>
      <label htmlFor={id}>
        {label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
        {type === undefined ? <span className="muted"> (JSON or text)</span> : null}
      </label>
      {control}
      <FieldNotes id={id} description={description} error={error} />
    </div>
  );
}

function FieldNotes({
  id,
  description,
  error,
}: {
  id: string;
  description: string | undefined;
  error: string | undefined;
}) {
  return (
    <>
      {description === undefined ? null : (
        <p className="help" id={`${id}-help`}>
          {description}
        </p>
      )}
      {error === undefined ? null : (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </>
  );
}

type CommonProps = Record<string, unknown> & { id: string };

/** A secret: never shown, never prefilled; empty keeps what is stored. */
function SecretInput(props: {
  common: CommonProps;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const stored = props.value === MASKED;
  const [typed, setTyped] = useState('');
  return (
    <input
      {...props.common}
      type="password"
      autoComplete="new-password"
      value={typed}
      placeholder={stored ? 'stored (hidden); type to replace' : ''}
      onChange={(e) => {
        setTyped(e.target.value);
        props.onChange(e.target.value === '' ? (stored ? MASKED : undefined) : e.target.value);
      }}
    />
  );
}

/** Any JSON value; text that is not JSON is taken as a string. */
function JsonInput(props: {
  common: CommonProps;
  value: unknown;
  onChange: (value: unknown) => void;
}) {
  const shown =
    props.value === undefined
      ? ''
      : typeof props.value === 'string'
        ? props.value
        : JSON.stringify(props.value);
  return (
    <input
      {...props.common}
      type="text"
      value={shown}
      onChange={(e) => {
        const text = e.target.value;
        if (text === '') {
          props.onChange(undefined);
          return;
        }
        try {
          props.onChange(JSON.parse(text));
        } catch {
          props.onChange(text);
        }
      }}
    />
  );
}

export function propertiesOf(schema: JsonSchema): [string, JsonSchema][] {
  const properties = schema['properties'];
  return isRecord(properties)
    ? Object.entries(properties).map(([k, v]) => [k, isRecord(v) ? v : {}])
    : [];
}

/** The branch of a nullable or optional union that the form edits. */
function resolve(schema: JsonSchema): JsonSchema {
  for (const key of ['anyOf', 'oneOf']) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      const first = (branches as JsonSchema[]).find((b) => b['type'] !== 'null');
      if (first !== undefined) {
        return { ...schema, ...first };
      }
    }
  }
  return schema;
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = schema['type'];
  if (Array.isArray(type)) {
    return (type as string[]).find((t) => t !== 'null');
  }
  return typeof type === 'string' ? type : undefined;
}

function enumOptions(schema: JsonSchema): FieldOption[] | undefined {
  const values = schema['enum'];
  if (Array.isArray(values)) {
    return (values as (string | number | boolean)[]).map((v) => ({ value: v, label: String(v) }));
  }
  if (schema['const'] !== undefined) {
    const v = schema['const'] as string;
    return [{ value: v, label: v }];
  }
  return undefined;
}

function placeholderOf(schema: JsonSchema): string {
  const fallback = schema['default'];
  return fallback === undefined ? '' : `default: ${JSON.stringify(fallback)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field errors from validation issues (paths from the checked object's root). */
export function errorsFromIssues(
  issues: readonly { path: readonly (string | number)[]; message: string }[],
  dropPrefix: readonly string[] = [],
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    let path = issue.path.map(String);
    if (dropPrefix.every((p, i) => path[i] === p)) {
      path = path.slice(dropPrefix.length);
    }
    const key = path.join('.');
    errors[key] = errors[key] === undefined ? issue.message : `${errors[key]}; ${issue.message}`;
  }
  return errors;
}

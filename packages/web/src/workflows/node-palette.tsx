/**
 * @module The node palette: every node type in the registry, by category, searchable; choosing one
 * adds it to the graph.
 */
import { useState } from 'react';
import type { NodeType } from '../api/types.ts';

export function NodePalette(props: {
  types: readonly NodeType[];
  onAdd: (type: NodeType) => void;
}) {
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const shown = props.types.filter((t) =>
    `${t.type} ${t.title} ${t.description}`.toLowerCase().includes(q),
  );
  const categories = [...new Set(shown.map((t) => t.category))].sort();
  return (
    <nav className="palette" aria-label="Node palette">
      <label htmlFor="palette-search" className="visually-hidden">
        Search nodes
      </label>
      <input
        id="palette-search"
        type="search"
        placeholder="Search nodes"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
        }}
      />
      {shown.length === 0 ? <p className="muted small">No node matches.</p> : null}
      {categories.map((category) => (
        <div key={category}>
          <h3 className="palette-category">{category}</h3>
          <ul>
            {shown
              .filter((t) => t.category === category)
              .map((t) => (
                <li key={t.type}>
                  <button
                    type="button"
                    className="palette-item"
                    title={t.description}
                    aria-label={`Add ${t.title} (${t.type})`}
                    onClick={() => {
                      props.onAdd(t);
                    }}
                  >
                    <span>{t.title}</span>
                    <span className="muted small">
                      {t.type}
                      {t.version === undefined ? '' : ` · ${t.version}`}
                    </span>
                  </button>
                </li>
              ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

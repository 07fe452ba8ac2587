import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { DISTRICTS } from "../lib/districts";

export interface TileValue {
  value: number;
  label: string;
}

/** Seoul's 25 boroughs as a tile grid in their rough geographic places, shaded by a value. */
export function BoroughGrid({ values, caption }: { values: Record<string, TileValue>; caption: string }) {
  const { i18n } = useTranslation();
  const ko = i18n.language.startsWith("ko");
  const max = Math.max(1, ...Object.values(values).map((v) => v.value));
  return (
    <figure className="tilegrid-figure">
      <figcaption>{caption}</figcaption>
      <ul className="tilegrid">
        {DISTRICTS.map((d) => {
          const v = values[d.code];
          const level = v ? Math.ceil((v.value / max) * 4) : 0;
          return (
            <li key={d.code} style={{ gridColumn: d.col + 1, gridRow: d.row + 1 }}>
              <Link to={`/boroughs/${d.code}`} className={`tile level-${level}`}>
                <span className="tile-name">{ko ? d.ko : d.en}</span>
                <span className="tile-value">{v?.label ?? "–"}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

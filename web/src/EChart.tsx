/**
 * A small ECharts wrapper: only the chart kinds the dashboard uses are bundled here; a page that needs another
 * kind registers it itself (`use([...])`), so it lands in that page's chunk.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type EChartsCoreOption, type EChartsType, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** What a click on a chart element reports (the parts the app reads). */
export interface ChartClick {
  name?: string;
  data?: unknown;
  componentType?: string;
  seriesType?: string;
}

export function EChart({
  option,
  height = 320,
  onClick,
}: {
  option: EChartsCoreOption;
  height?: number;
  onClick?: (params: ChartClick) => void;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const clickRef = useRef(onClick);
  clickRef.current = onClick;

  useEffect(() => {
    if (!el.current) return;
    const c = init(el.current);
    chart.current = c;
    c.on('click', (params) => clickRef.current?.(params as ChartClick));
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(el.current);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);

  return <div ref={el} style={{ width: '100%', height }} />;
}

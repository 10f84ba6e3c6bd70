/**
 * Apache ECharts with only the parts the dashboard draws (line and bar charts, the grid, legend and tooltip, the
 * canvas renderer), so the rest is tree-shaken out; loaded on demand by chart.tsx, so only the dashboard pays for it.
 */
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([LineChart, BarChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** Draws the option into the element (the canvas renderer styles its elements through the CSSOM only). */
export function drawChart(element: HTMLElement, option: ChartOption): ECharts {
  const chart = init(element, null, { renderer: 'canvas' });
  chart.setOption(option);
  return chart;
}

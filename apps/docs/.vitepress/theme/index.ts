import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import './custom.css';

// The live demo's component is imported by docs/demo.md itself, so the Torchlet packages it bundles
// load on that page only.
export default {
  extends: DefaultTheme,
} satisfies Theme;

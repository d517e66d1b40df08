import '@mantine/core/styles.css';
import '@mantine/dates/styles.css';
import '@xyflow/react/dist/style.css';
import './i18n/index.ts';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App.tsx';
import { isTransient } from './api.ts';

/**
 * One cache for the console: a query polled by several components is fetched once per interval.
 * A read the server or the network failed is sent again twice (after 1 s, then 2 s) before the
 * page shows the error; a refused one (4xx) is shown at once.
 */
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, e) => failures < 2 && isTransient(e),
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <MantineProvider defaultColorScheme="light">
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </MantineProvider>,
);

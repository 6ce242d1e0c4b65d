import { render } from 'preact';
import { loadSession } from './api.ts';
import { App } from './app.tsx';
import '@hazmon/dashboard/ui/styles.css';
import './hub.css';

void loadSession();
render(<App />, document.getElementById('app')!);

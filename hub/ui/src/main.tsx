import { render } from 'preact';
import { App } from './app.tsx';
import '@hazmon/dashboard/ui/styles.css';
import './hub.css';

render(<App />, document.getElementById('app')!);

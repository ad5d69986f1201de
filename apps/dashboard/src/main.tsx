import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { Portal } from './portal/Portal';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {/* The self-service portal is an app of its own on the same origin: its own session, none of the operators' screens. */}
    {window.location.pathname === '/my' || window.location.pathname.startsWith('/my/') ? <Portal /> : <App />}
  </StrictMode>,
);

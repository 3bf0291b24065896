export default function Funnel() {
  return <h1>Funnel</h1>;
}

import streamlit as st

st.title("evaluate")
st.info("This step is being built.")

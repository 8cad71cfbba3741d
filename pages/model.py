import streamlit as st

st.title("model")
st.info("This step is being built.")
